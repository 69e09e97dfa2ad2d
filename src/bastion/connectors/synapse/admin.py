"""Synapse's admin API as the connector uses it: read event reports, and enforce Bastion's decisions
(deactivate an account, quarantine its media, redact an event). Each enforcement call is audited in the
outbox's ``audit`` table under an idempotency key, and a call recorded as done is never repeated, so a
retried action (a crash between the call and the cursor moving) changes nothing twice."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bastion.connectors.synapse.outbox import Outbox

log = logging.getLogger("bastion.connectors.synapse")


class NotReady(Exception):
    """No admin token yet (its file does not exist): nothing to poll or enforce for now."""


class SynapseAdmin:
    def __init__(
        self,
        homeserver_url: str,
        admin_token: str | None,
        outbox: Outbox,
        *,
        token_file: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.outbox = outbox
        self._token = admin_token
        self._token_file = Path(token_file) if token_file else None
        self._http = httpx.Client(base_url=homeserver_url, timeout=timeout, auth=self._auth)

    def _auth(self, request: httpx.Request) -> httpx.Request:
        token = self._token
        if token is None and self._token_file is not None:
            try:
                token = self._token_file.read_text(encoding="utf-8").strip() or None
            except OSError:
                token = None
        if token is None:
            raise NotReady("no Synapse admin token yet")
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    # ---- reading ---------------------------------------------------------------------------------------
    def event_reports(self, *, start: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Reports newest first (``dir=b``), from offset ``start``."""
        answer = self._http.get(
            "/_synapse/admin/v1/event_reports", params={"from": start, "limit": limit, "dir": "b"}
        )
        answer.raise_for_status()
        reports: list[dict[str, Any]] = answer.json().get("event_reports", [])
        return reports

    def user(self, user_id: str) -> dict[str, Any] | None:
        answer = self._http.get(f"/_synapse/admin/v2/users/{quote(user_id)}")
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    # ---- enforcing (audited, idempotent) -----------------------------------------------------------------
    def deactivate(self, user_id: str, *, key: str) -> str:
        """Deactivate without erasing (the account's data stays for evidence preservation)."""
        return self._once(
            key,
            "deactivate",
            user_id,
            "POST",
            f"/_synapse/admin/v1/deactivate/{quote(user_id)}",
            {"erase": False},
        )

    def quarantine_user_media(self, user_id: str, *, key: str) -> str:
        """Quarantine every file the user uploaded: no longer served, kept for evidence."""
        path = f"/_synapse/admin/v1/user/{quote(user_id)}/media/quarantine"
        return self._once(key, "quarantine_user_media", user_id, "POST", path, {})

    def quarantine_media(self, server_name: str, media_id: str, *, key: str) -> str:
        path = f"/_synapse/admin/v1/media/quarantine/{quote(server_name)}/{quote(media_id)}"
        return self._once(key, "quarantine_media", f"mxc://{server_name}/{media_id}", "POST", path, {})

    def redact(self, room_id: str, event_id: str, *, key: str, reason: str = "") -> str:
        """Redact one event as the admin user (the transaction id is the key, so Synapse dedupes too)."""
        path = (
            f"/_matrix/client/v3/rooms/{quote(room_id)}/redact/{quote(event_id)}/"
            f"{quote(key.replace(':', '-'), safe='')}"
        )
        return self._once(key, "redact", event_id, "PUT", path, {"reason": reason} if reason else {})

    def _once(self, key: str, action: str, target: str, method: str, path: str, body: dict[str, Any]) -> str:
        if self.outbox.audited(key) == "done":
            return "done"
        try:
            answer = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            self.outbox.audit(key, action, target, "retry", f"{type(exc).__name__}: {exc}")
            raise
        if answer.status_code < 300 or _already(action, answer):
            self.outbox.audit(key, action, target, "done", answer.text[:500])
            log.info("bastion: %s %s done", action, target)
            return "done"
        status = "retry" if answer.status_code >= 500 or answer.status_code == 429 else "failed"
        self.outbox.audit(key, action, target, status, f"HTTP {answer.status_code}: {answer.text[:500]}")
        log.warning("bastion: %s %s: HTTP %s %s", action, target, answer.status_code, answer.text[:200])
        if status == "retry":
            raise httpx.HTTPStatusError("retry later", request=answer.request, response=answer)
        return status

    def close(self) -> None:
        self._http.close()


def _already(action: str, answer: httpx.Response) -> bool:
    """A repeat of a finished call: Synapse answers some of these with an error that means 'done'."""
    text = answer.text.lower()
    return action == "deactivate" and answer.status_code == 400 and "deactivated" in text
