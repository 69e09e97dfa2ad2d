"""Bastion's decided actions carried out on a Mastodon server, from the action feed (the JSON of
``GET /v1/actions``, the same seam the Synapse connector enforces from).

- ``disable_account``: the account's evidence is preserved first (:mod:`.preserve`; suspension deletes
  media), then ``POST /api/v1/admin/accounts/:id/action`` with ``type`` = the configured suspend type and the
  ``report_id`` of the oldest open report about the account, which Mastodon resolves with the action; any
  report still open afterwards is resolved explicitly.
- restrictions (search, recommendations, messages to minors): one ``silence`` per decision (or nothing).
- ``preserve_evidence``: the same preservation, on its own.
- ``remove_content`` and ``notify``: Mastodon's admin API has no call for them; audited for a person.
- reversals: ``unsuspend`` / ``enable`` / ``unsilence`` (a suspension can be undone within 30 days).

Every call is audited under a key derived from the action event, so a retried event changes nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bastion.connectors.mastodon.admin import MastodonAdmin, Retry
from bastion.connectors.mastodon.preserve import Preserver
from bastion.connectors.mastodon.state import Ledger

log = logging.getLogger("bastion.connectors.mastodon")
CURSOR = "actions.cursor"
RESTRICTIONS = ("restrict_search", "restrict_recommendations", "restrict_messages_to_minors")
#: (events after a cursor, the next cursor): the action feed, over HTTP or read from the store
Feed = Callable[[int], tuple[list[dict[str, Any]], int]]


class Enforcer:
    def __init__(
        self,
        admin: MastodonAdmin,
        preserver: Preserver,
        state: Ledger,
        *,
        suspend_type: str = "suspend",
        restrict_type: str = "silence",
    ) -> None:
        self.admin = admin
        self.preserver = preserver
        self.state = state
        self.suspend_type = suspend_type
        self.restrict_type = restrict_type

    def enforce(self, event: dict[str, Any]) -> None:
        """One action event; raises :class:`Retry` when it should be tried again later."""
        key = f"bastion-action-{event['event_id']}"
        action, account = str(event.get("action")), str(event.get("account_id"))
        decision = event.get("decision_id") or event["event_id"]
        if event.get("event") not in (None, "applied", "apply"):
            self._reverse(key, action, account)
        elif action == "disable_account":
            self.preserver.preserve(account, key=f"{key}:preserve", reason=str(event.get("reason") or ""))
            self._suspend(key, account)
        elif action == "preserve_evidence":
            self.preserver.preserve(account, key=f"{key}:preserve", reason=str(event.get("reason") or ""))
        elif action in RESTRICTIONS and self.restrict_type == "silence":
            self.admin.moderate(account, "silence", key=f"bastion-restrict-{account}-{decision}")
        else:
            why = "no Mastodon admin API call for this action: a moderator acts in the admin interface"
            if action == "remove_content":
                why = "Mastodon's admin API cannot delete a status: delete it from the report in the admin UI"
            self.state.audit(key, action, str(event.get("target_id") or account), "needs_operator", why)

    def _suspend(self, key: str, account: str) -> None:
        reports = self.admin.open_reports(account)
        status = self.admin.moderate(
            account,
            self.suspend_type,
            key=f"{key}:{self.suspend_type}",
            report_id=reports[0] if reports else None,
        )
        if status != "done":
            return
        for report_id in self.admin.open_reports(account):  # Mastodon resolves them itself; any it left
            self.admin.resolve_report(report_id, key=f"{key}:resolve:{report_id}")

    def _reverse(self, key: str, action: str, account: str) -> None:
        if action == "disable_account":
            self.admin.undo(account, self.suspend_type, key=f"{key}:undo")
        elif action in RESTRICTIONS and self.restrict_type == "silence":
            self.admin.undo(account, "silence", key=f"{key}:undo")
        else:
            self.state.audit(key, f"reverse_{action}", account, "needs_operator", "reversal: undo by hand")


class ActionPoller:
    """Reads the feed after the stored cursor and enforces each event; the cursor moves past an event only
    once it is done or refused for good, so a crash or an outage repeats nothing and loses nothing."""

    def __init__(self, feed: Feed, enforcer: Enforcer, state: Ledger) -> None:
        self.feed = feed
        self.enforcer = enforcer
        self.state = state

    def step(self) -> int:
        """Enforce what is new; returns how many events were finished (stops at the first to retry)."""
        events, _next = self.feed(int(self.state.get(CURSOR, "0")))
        finished = 0
        for event in events:
            try:
                self.enforcer.enforce(event)
            except Retry as exc:
                log.warning("mastodon: action event %s kept for a retry: %s", event.get("event_id"), exc)
                break
            self.state.set(CURSOR, str(event["event_id"]))
            finished += 1
        return finished
