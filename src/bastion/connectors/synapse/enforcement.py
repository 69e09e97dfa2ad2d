"""What each of Bastion's actions does on a Synapse homeserver, evidence first.

An action event from Bastion's feed (``GET /v1/actions``) becomes admin API calls, each audited in the
outbox under a key derived from the event id, so a retried event (a crash before the cursor moved) repeats
nothing that is done:

- ``disable_account``: quarantine the account's media, then deactivate it without erasing its data;
- ``shadow_ban``: the account's messages look sent to it but reach nobody; reversed on an upheld appeal;
- ``remove_content`` of an account: every message it sent is copied into the outbox's ``preserved`` table,
  then redacted (Synapse's user-redaction task, sent as the user, so no room power is needed); of one
  message: that event is copied, then redacted by the admin, who first takes a room admin's power in the
  room (``make_room_admin``) if Synapse refuses;
- ``preserve_evidence``: the account's messages are copied (Synapse keeps the account's data anyway, since
  deactivation does not erase).

Reversals Synapse cannot carry out (re-activating an account, un-redacting) are audited for a person.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from bastion.connectors.synapse.admin import SynapseAdmin
from bastion.connectors.synapse.outbox import Outbox

log = logging.getLogger("bastion.connectors.synapse")


class Pending(Exception):
    """A Synapse task is still running: the action is retried (and the task looked at again) later."""


class Enforcer:
    def __init__(self, outbox: Outbox, admin: SynapseAdmin, *, task_wait: float = 30.0) -> None:
        self.outbox = outbox
        self.admin = admin
        self.task_wait = task_wait

    def enforce(self, event: dict[str, Any]) -> None:
        """One action event; raises on a retryable failure (the caller keeps its cursor before it)."""
        key = f"bastion-action-{event['event_id']}"
        action, account = str(event.get("action")), str(event.get("account_id"))
        reason = str(event.get("reason") or "")
        if event.get("event") not in (None, "applied", "apply"):
            self.reverse(key, action, account)
            return
        if action == "disable_account":
            self.admin.quarantine_user_media(account, key=f"{key}:media")
            self.admin.deactivate(account, key=f"{key}:deactivate")
        elif action == "shadow_ban":
            self.admin.shadow_ban(account, key=f"{key}:shadow_ban")
        elif action == "remove_content" and event.get("target_type") == "post":
            self.redact_event(key, str(event.get("target_id")), reason)
        elif action == "remove_content":
            self.redact_account(key, account, reason)
        elif action == "preserve_evidence":
            if self.outbox.audited(f"{key}:preserve") != "done":
                count = self.preserve_account(account)
                self.outbox.audit(f"{key}:preserve", "preserve", account, "done", f"{count} event(s) copied")
        else:  # restrictions and notices are the platform's own features; recorded
            self.outbox.audit(key, action, account, "not_applicable", "no Synapse admin call for this action")

    def reverse(self, key: str, action: str, account: str) -> None:
        if action == "shadow_ban":
            self.admin.unshadow_ban(account, key=f"{key}:unshadow_ban")
        else:
            self.outbox.audit(key, f"reverse_{action}", account, "needs_operator", "reversal: undo by hand")

    # ---- evidence, then redaction --------------------------------------------------------------------
    def rooms_of(self, account: str) -> list[str]:
        """Rooms the account is in, and rooms it posted in and has left (deactivation leaves them all)."""
        return sorted(set(self.admin.joined_rooms(account)) | set(self.outbox.rooms_of_sender(account)))

    def preserve_account(self, account: str, rooms: list[str] | None = None) -> int:
        copied = 0
        for room_id in self.rooms_of(account) if rooms is None else rooms:
            events = self.admin.events_by(room_id, account)
            intact = [e for e in events if "redacted_because" not in e.get("unsigned", {})]
            copied += self.outbox.preserve(intact)
        return copied

    def redact_account(self, key: str, account: str, reason: str) -> None:
        """Preserve every message of the account, then redact them all with Synapse's redaction task."""
        done_key = f"{key}:redact_user"
        if self.outbox.audited(done_key) == "done":
            return
        rooms = self.rooms_of(account)
        if self.outbox.audited(f"{key}:preserve") != "done":
            count = self.preserve_account(account, rooms)
            self.outbox.audit(f"{key}:preserve", "preserve", account, "done", f"{count} event(s) copied")
        redact_id, failed = self._task(key, account, rooms, reason)
        status = "failed" if failed else "done"  # refused events are recorded for a person, not retried
        detail = f"task {redact_id}, rooms {rooms}, refused {failed}"
        self.outbox.audit(done_key, "redact_user", account, status, detail)
        log.info("bastion: redacted the messages of %s in %d room(s)", account, len(rooms))

    def redact_event(self, key: str, event_id: str, reason: str) -> None:
        """Preserve one message, then redact it: as its sender through Synapse's redaction task narrowed to
        the message's millisecond when nothing else the sender wrote there shares it (no room power
        needed), else as the admin, taking a room admin's power first if Synapse refuses."""
        done_key = f"{key}:redact"
        if self.outbox.audited(done_key) == "done":
            return
        stored = self.admin.event(event_id)
        if stored is None:
            self.outbox.audit(done_key, "redact", event_id, "failed", "Synapse has no such event")
            return
        self.outbox.preserve([stored])
        room_id, sender, ts = str(stored["room_id"]), str(stored["sender"]), int(stored["origin_server_ts"])
        if stored.get("type") in TASK_TYPES and self._alone(room_id, sender, event_id, ts):
            self._task(key, sender, [room_id], reason, at=ts)
            if _redacted(self.admin.seen(room_id, event_id)):
                self.outbox.audit(done_key, "redact", event_id, "done", f"as its sender {sender}")
                return
        if self.admin.redact(room_id, event_id, key=done_key, reason=reason) == "done":
            return
        # refused (the admin is not in the room or lacks power there): take the power, then once more
        if self.admin.become_room_admin(room_id, key=f"{key}:room") == "done":
            self.admin.redact(room_id, event_id, key=done_key, reason=reason)

    def _alone(self, room_id: str, sender: str, event_id: str, ts: int) -> bool:
        """No other event of ``sender`` in the room has the timestamp ``ts`` (newest first, so stop early)."""
        for other in self.admin.events_by(room_id, sender):
            at = int(other.get("origin_server_ts", 0))
            if at < ts:
                return True
            if at == ts and other.get("event_id") != event_id:
                return False
        return True

    def _task(
        self, key: str, user: str, rooms: list[str], reason: str, *, at: int | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Run one Synapse redaction task to completion: ``(redact_id, failed redactions)``. Its id is kept
        so a retry after a crash or a slow task looks at the same task instead of starting another."""
        task_key = f"redact_task:{key}"
        redact_id = self.outbox.get_state(task_key)
        if not redact_id:
            redact_id = self.admin.start_user_redaction(user, rooms, reason=reason, at=at)
            self.outbox.set_state(task_key, redact_id)
        deadline = time.monotonic() + self.task_wait
        while True:
            status = self.admin.redact_status(redact_id)
            if status.get("status") == "complete":
                return redact_id, dict(status.get("failed_redactions") or {})
            if status.get("status") == "failed":
                self.outbox.set_state(task_key, "")  # start a new task next time
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.outbox.audit(f"{key}:task", "redact_task", user, "retry", f"task {redact_id}: {status}")
        raise Pending(f"redaction task {redact_id} for {user}: {status.get('status')}")


#: the event types Synapse's redaction task looks at
TASK_TYPES = ("m.room.message", "m.room.encrypted")


def _redacted(event: dict[str, Any] | None) -> bool:
    return event is not None and ("redacted_because" in event.get("unsigned", {}) or not event.get("content"))


__all__ = ["Enforcer", "Pending"]
