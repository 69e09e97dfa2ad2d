"""Synapse's admin API as the connector uses it: read event reports and events, and enforce Bastion's
decisions (deactivate or shadow-ban an account, quarantine its media, redact its events). Each enforcement
call is audited in the
outbox's ``audit`` table under an idempotency key, and a call recorded as done is never repeated, so a
retried action (a crash between the call and the cursor moving) changes nothing twice."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
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
            except (OSError, UnicodeDecodeError):  # not written yet, or being written
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

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One event as first stored, unredacted, whatever its room (``/fetch_event``; the copy to preserve),
        or None if Synapse has no such event."""
        answer = self._http.get(f"/_synapse/admin/v1/fetch_event/{quote(event_id)}")
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()["event"]
        return found

    def seen(self, room_id: str, event_id: str) -> dict[str, Any] | None:
        """The event as room members see it now (redacted content stripped), from the admin room context."""
        path = f"/_synapse/admin/v1/rooms/{quote(room_id)}/context/{quote(event_id)}"
        answer = self._http.get(path, params={"limit": 1})
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()["event"]
        return found

    def joined_rooms(self, user_id: str) -> list[str]:
        answer = self._http.get(f"/_synapse/admin/v1/users/{quote(user_id)}/joined_rooms")
        answer.raise_for_status()
        return [str(r) for r in answer.json().get("joined_rooms", [])]

    def events_by(self, room_id: str, sender: str, *, page: int = 200) -> Iterator[dict[str, Any]]:
        """Every event ``sender`` sent in ``room_id``, newest first (the admin room-messages API)."""
        params: dict[str, Any] = {
            "dir": "b",
            "limit": page,
            "filter": json.dumps({"senders": [sender]}, separators=(",", ":")),
        }
        while True:
            answer = self._http.get(f"/_synapse/admin/v1/rooms/{quote(room_id)}/messages", params=params)
            answer.raise_for_status()
            body = answer.json()
            yield from body.get("chunk", [])
            if not body.get("chunk") or not body.get("end"):
                return
            params["from"] = body["end"]

    def redact_status(self, redact_id: str) -> dict[str, Any]:
        answer = self._http.get(f"/_synapse/admin/v1/user/redact_status/{quote(redact_id)}")
        answer.raise_for_status()
        status: dict[str, Any] = answer.json()
        return status

    # ---- enforcing (audited, idempotent) -----------------------------------------------------------------
    def shadow_ban(self, user_id: str, *, key: str) -> str:
        """Shadow-ban: the account's sends look accepted to it, but nobody else receives them."""
        path = f"/_synapse/admin/v1/users/{quote(user_id)}/shadow_ban"
        return self._once(key, "shadow_ban", user_id, "POST", path, {})

    def unshadow_ban(self, user_id: str, *, key: str) -> str:
        """Undo :meth:`shadow_ban` (an upheld appeal)."""
        path = f"/_synapse/admin/v1/users/{quote(user_id)}/shadow_ban"
        return self._once(key, "unshadow_ban", user_id, "DELETE", path, None)

    def start_user_redaction(
        self, user_id: str, rooms: list[str], *, reason: str = "", at: int | None = None
    ) -> str:
        """Start redacting every message and join ``user_id`` sent in ``rooms`` (only those sent at the
        millisecond ``at`` if given); Synapse >= 1.116. The redactions are sent as the user, so no room
        power is needed. Returns the task's ``redact_id``; the caller audits once the task is complete."""
        body: dict[str, Any] = {"rooms": rooms}
        if reason:
            body["reason"] = reason
        if at is not None:
            body |= {"before_ts": at, "after_ts": at}
        answer = self._http.post(f"/_synapse/admin/v1/user/{quote(user_id)}/redact", json=body)
        answer.raise_for_status()
        return str(answer.json()["redact_id"])

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

    def become_room_admin(self, room_id: str, *, key: str) -> str:
        """Give the admin user the power of the room's most powerful local member and join it, so it can
        redact others' events there (``make_room_admin``; needs such a member in the room)."""
        path = f"/_synapse/admin/v1/rooms/{quote(room_id)}/make_room_admin"
        if self._once(f"{key}:power", "make_room_admin", room_id, "POST", path, {}) != "done":
            return "failed"
        join = f"/_matrix/client/v3/join/{quote(room_id)}"
        return self._once(f"{key}:join", "join", room_id, "POST", join, {})

    def _once(
        self, key: str, action: str, target: str, method: str, path: str, body: dict[str, Any] | None
    ) -> str:
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
