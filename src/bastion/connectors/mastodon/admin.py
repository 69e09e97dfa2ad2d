"""Mastodon's admin API as the connector uses it, through Mastodon.py (``pip install 'bastion[mastodon]'``).

Reading (accounts, their statuses, open reports) is plain. Every moderation call is audited in the
connector's ledger (in Bastion's store) under an idempotency key, and a call recorded ``done`` is never
made again, so a retried action (a crash between the call and the cursor moving) changes nothing twice.
Server errors, rate limits and network failures are ``retry`` (raised, so the caller keeps the action for
later); other refusals are ``failed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from bastion.connectors.mastodon.state import Ledger

log = logging.getLogger("bastion.connectors.mastodon")


class Retry(Exception):
    """The call may succeed later (network, 5xx, 429): the action stays before the feed's cursor."""


def _client(url: str, token: str, timeout: float) -> Any:
    try:
        from mastodon import Mastodon
    except ImportError as exc:  # the optional extra
        raise RuntimeError("Mastodon enforcement needs Mastodon.py: pip install 'bastion[mastodon]'") from exc
    return Mastodon(
        access_token=token,
        api_base_url=url,
        request_timeout=timeout,
        ratelimit_method="throw",
        version_check_mode="none",
    )


def _status_of(exc: Exception) -> int | None:
    code = exc.args[1] if len(exc.args) > 1 else None
    return code if isinstance(code, int) else None


class MastodonAdmin:
    def __init__(self, url: str, token: str, state: Ledger, *, timeout: float = 10.0) -> None:
        self.url = url
        self.state = state
        self.api = _client(url, token, timeout)

    # ---- reading ---------------------------------------------------------------------------------------
    def account(self, account_id: str) -> dict[str, Any] | None:
        """The Admin::Account (``None`` when Mastodon does not know it)."""
        found = self._read(lambda: self.api.admin_account(account_id))
        return dict(found) if found is not None else None

    def statuses(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        """The account's latest statuses, newest first, at most ``limit`` (pages of 40)."""
        page = self._read(lambda: self.api.account_statuses(account_id, limit=min(limit, 40)))
        out: list[dict[str, Any]] = []
        while page and len(out) < limit:
            out.extend(dict(s) for s in page)
            if len(out) < limit:
                page = self._read(partial(self.api.fetch_next, page))
        return out[:limit]

    def open_reports(self, account_id: str) -> list[str]:
        """Ids of the unresolved reports about the account, oldest first."""
        found = self._read(lambda: self.api.admin_reports(target_account_id=account_id)) or []
        return sorted((str(r["id"]) for r in found), key=lambda i: (len(i), i))

    def _read(self, call: Callable[[], Any]) -> Any:
        from mastodon import MastodonError, MastodonNetworkError, MastodonNotFoundError

        try:
            return call()
        except MastodonNotFoundError:
            return None
        except MastodonNetworkError as exc:
            raise Retry(f"{type(exc).__name__}: {exc}") from exc
        except MastodonError as exc:
            code = _status_of(exc)
            if code is None or code >= 500 or code == 429:
                raise Retry(f"{type(exc).__name__}: {exc}") from exc
            raise

    # ---- acting (audited, idempotent) ------------------------------------------------------------------
    def moderate(
        self, account_id: str, kind: str, *, key: str, report_id: str | None = None, text: str | None = None
    ) -> str:
        """``POST /api/v1/admin/accounts/:id/action`` with ``type`` (suspend, silence, disable, sensitive) and
        the report it answers (Mastodon resolves that report and any other open one about the account)."""
        return self._once(
            key,
            f"account_{kind}",
            account_id,
            lambda: self.api.admin_account_moderate(
                account_id, kind, report_id=report_id, text=text, send_email_notification=True
            ),
        )

    def resolve_report(self, report_id: str, *, key: str) -> str:
        return self._once(key, "report_resolve", report_id, lambda: self.api.admin_report_resolve(report_id))

    def undo(self, account_id: str, kind: str, *, key: str) -> str:
        """Undo a suspension (within Mastodon's 30 days), a disable or a silence."""
        calls = {
            "suspend": self.api.admin_account_unsuspend,
            "disable": self.api.admin_account_enable,
            "silence": self.api.admin_account_unsilence,
        }
        return self._once(key, f"account_un{kind}", account_id, lambda: calls[kind](account_id))

    def _once(self, key: str, action: str, target: str, call: Callable[[], Any]) -> str:
        from mastodon import MastodonError, MastodonNetworkError

        if self.state.audited(key) == "done":
            return "done"
        try:
            answer = call()
        except MastodonNetworkError as exc:
            self.state.audit(key, action, target, "retry", f"{type(exc).__name__}: {exc}")
            raise Retry(f"{action} {target}: {exc}") from exc
        except MastodonError as exc:
            code = _status_of(exc)
            status = "retry" if code is None or code >= 500 or code == 429 else "failed"
            self.state.audit(key, action, target, status, f"HTTP {code}: {exc}")
            log.warning("mastodon: %s %s: %s", action, target, exc)
            if status == "retry":
                raise Retry(f"{action} {target}: HTTP {code}") from exc
            return status
        self.state.audit(key, action, target, "done", str(answer)[:500] if answer else "")
        log.info("mastodon: %s %s done", action, target)
        return "done"
