"""The Synapse module: Bastion's guards on the homeserver's request path, and its events flowing to Bastion.

Enabled in ``homeserver.yaml``::

    modules:
      - module: bastion.connectors.synapse.BastionModule
        config:
          bastion_url: http://127.0.0.1:8000
          bastion_token: bst_...           # a platform token (POST /v1/tokens, label = platform)
          platform: matrix.example.org
          admin_token: syt_...             # a Synapse admin's token: event reports and enforcement

On the request path (each call bounded by ``timeout_seconds``; Bastion down -> ``when_unreachable``):

- uploads are hashed here (PDQ, MD5, SHA-256; no byte leaves Synapse) and refused when Bastion's hash lists
  match (``POST /v1/media/match``, negative lists respected);
- messages, room names, topics, aliases and display names in member events are matched against the
  lexicons (``POST /v1/terms/match``) and refused with the operator's help message, or let through and
  flagged (``text_policy``);
- user-directory search hides accounts whose user id or display name matches;
- invites go through the contact guard (``POST /v1/guard/contact``): hold or block refuses the invite.

Off the request path, joins, message metadata (with upload hashes), invites and profile changes are queued
in a durable outbox and sent to ``POST /v1/events``; event reports become Bastion reports; Bastion's actions
are enforced through Synapse's admin API (:mod:`.workers`).
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion.connectors.synapse.admin import SynapseAdmin
from bastion.connectors.synapse.client import BastionClient, Unreachable
from bastion.connectors.synapse.config import ConnectorConfig
from bastion.connectors.synapse.hashing import hash_upload
from bastion.connectors.synapse.outbox import Full, Outbox
from bastion.connectors.synapse.workers import ActionRunner, Forwarder, ReportPoller

log = logging.getLogger("bastion.connectors.synapse")
NOT_SPAM = "NOT_SPAM"
#: (event type, content key, lexicon field kind) checked on the request path
TEXT_FIELDS = (
    ("m.room.message", "body", "text"),
    ("m.room.name", "name", "text"),
    ("m.room.topic", "topic", "text"),
    ("m.room.canonical_alias", "alias", "username"),
    ("m.room.member", "displayname", "display_name"),
)


def _iso(ms: int | float | None) -> str:
    when = datetime.fromtimestamp((ms or 0) / 1000, UTC) if ms else datetime.now(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _forbidden(message: str) -> Any:
    """Synapse's rejection: M_FORBIDDEN with our message as the error text the client shows."""
    try:
        from synapse.api.errors import Codes
    except ImportError:  # outside Synapse (the connector's own tests): the same code as text
        return ("M_FORBIDDEN", {"error": message})
    return (Codes.FORBIDDEN, {"error": message})


class BastionModule:
    """Registered by Synapse from the ``modules:`` list; ``config`` is the entry's ``config:`` block."""

    def __init__(self, config: dict[str, Any], api: Any) -> None:
        self.config = config if isinstance(config, ConnectorConfig) else ConnectorConfig.parse(config)
        self.api = api
        c = self.config
        self.client = BastionClient(c.bastion_url, c.bastion_token, timeout=c.timeout_seconds)
        self.outbox = Outbox(Path(c.state_dir), queue_max=c.queue_max)
        self.workers: list[Any] = [Forwarder(self.outbox, self.client, batch=c.send_batch)]
        self.admin: SynapseAdmin | None = None
        if c.admin_token or c.admin_token_file:
            self.admin = SynapseAdmin(
                c.homeserver_url, c.admin_token, self.outbox, token_file=c.admin_token_file
            )
            self.workers.append(ReportPoller(self.outbox, self.admin, every=c.report_poll_seconds))
            self.workers.append(
                ActionRunner(self.outbox, self.client, self.admin, every=c.action_poll_seconds)
            )
        for worker in self.workers:
            worker.start()
        self._directory_cache: dict[tuple[str, str], bool] = {}
        api.register_spam_checker_callbacks(
            check_event_for_spam=self.check_event_for_spam,
            check_media_file_for_spam=self.check_media_file_for_spam,
            check_username_for_spam=self.check_username_for_spam,
            user_may_invite=self.user_may_invite,
        )
        api.register_third_party_rules_callbacks(
            on_new_event=self.on_new_event, on_profile_update=self.on_profile_update
        )

    @staticmethod
    def parse_config(config: dict[str, Any]) -> ConnectorConfig:
        return ConnectorConfig.parse(config)

    # ---- request path ----------------------------------------------------------------------------------
    async def check_media_file_for_spam(self, file_wrapper: Any, file_info: Any) -> Any:
        if getattr(file_info, "thumbnail", None) or getattr(file_info, "url_cache", False):
            return NOT_SPAM  # thumbnails are derived from an upload that was already checked
        buffer = io.BytesIO()
        await file_wrapper.write_chunks_to(buffer.write)
        hashes = await self.api.defer_to_thread(hash_upload, buffer.getvalue())
        try:
            verdict = await self.api.defer_to_thread(self.client.match_media, hashes.as_json())
        except Unreachable as exc:
            log.warning("bastion: media match unavailable (%s); policy %s", exc, self.config.when_unreachable)
            await self._remember_upload(file_info, hashes.as_json())
            if self.config.when_unreachable == "refuse":
                return _forbidden("uploads are paused: the safety service is not answering; try again soon")
            return NOT_SPAM
        if verdict.get("matched"):
            lists = sorted({m.get("list_name", "") for m in verdict.get("matches", [])})
            await self._queue_report(
                f"upload-{hashes.sha256}",
                {
                    "report_id": f"matrix-upload-{hashes.sha256[:40]}",
                    "reporter_id": "synapse-connector",
                    "target_type": "media",
                    "target_id": hashes.sha256,
                    "reason": "hash_match",
                    "text": f"upload refused: on hash list(s) {', '.join(lists)}",
                    "extra": hashes.as_json() | {"lists": lists},
                },
            )
            return _forbidden("this file cannot be uploaded here")
        await self._remember_upload(file_info, hashes.as_json())
        return NOT_SPAM

    async def check_event_for_spam(self, event: Any) -> Any:
        texts = self._texts(event)
        if not texts:
            return NOT_SPAM
        try:
            hits = []
            for field, text in texts:
                found = await self.api.defer_to_thread(self.client.match_terms, [text], field)
                hits.extend(found[0])
        except Unreachable as exc:
            log.warning("bastion: term match unavailable (%s); policy %s", exc, self.config.when_unreachable)
            if self.config.when_unreachable == "refuse":
                return _forbidden("messages are paused: the safety service is not answering; try again soon")
            return NOT_SPAM  # forwarded with its text by on_new_event, so Bastion's term scan catches it
        if not hits or self.config.text_policy == "flag":
            return NOT_SPAM
        await self._queue_event(
            f"blocked:{event.event_id}",
            "posts",
            {
                "post_id": f"blocked:{event.event_id}",
                "account_id": event.sender,
                "created_at": _iso(getattr(event, "origin_server_ts", None)),
                "kind": "comment",
                "text": " ".join(t for _, t in texts) if self.config.forward_text else None,
                "blocked": True,
                "room_id": event.room_id,
                "matrix_type": event.type,
            },
        )
        return _forbidden(self.config.help_message)

    async def check_username_for_spam(self, user_profile: Any, requester_id: str | None = None) -> bool:
        """True hides the account from user-directory search."""
        if not self.config.filter_user_directory:
            return False
        user_id = str(user_profile.get("user_id") or "")
        name = str(user_profile.get("display_name") or "")
        key = (user_id, name)
        if key not in self._directory_cache:
            local = user_id.split(":", 1)[0].lstrip("@")
            try:
                found = await self.api.defer_to_thread(self.client.match_terms, [local], "username")
                found += await self.api.defer_to_thread(self.client.match_terms, [name], "display_name")
            except Unreachable:
                return False  # search stays usable while Bastion is down; not cached
            if len(self._directory_cache) > 50_000:
                self._directory_cache.clear()
            self._directory_cache[key] = any(found)
        return self._directory_cache[key]

    async def user_may_invite(self, inviter: str, invitee: str, room_id: str) -> Any:
        try:
            action = await self.api.defer_to_thread(self.client.check_contact, inviter, invitee)
        except Unreachable:
            return NOT_SPAM
        if action in ("hold", "block"):
            return _forbidden("this invite cannot be sent")
        return NOT_SPAM

    # ---- events to Bastion -----------------------------------------------------------------------------
    async def on_new_event(self, event: Any, state: Any) -> None:
        content = event.content or {}
        when = _iso(getattr(event, "origin_server_ts", None))
        if event.type == "m.room.message":
            await self.api.defer_to_thread(
                self.outbox.remember_room, event.event_id, event.room_id, event.sender
            )
            row: dict[str, Any] = {
                "post_id": event.event_id,
                "account_id": event.sender,
                "created_at": when,
                "kind": "comment",
                "room_id": event.room_id,
                "msgtype": content.get("msgtype"),
            }
            if self.config.forward_text and isinstance(content.get("body"), str):
                row["text"] = content["body"]
            media = await self._media_of(content.get("url"))
            if media:
                row["media"] = [media]
            await self._queue_event(event.event_id, "posts", row)
        elif event.type == "m.room.member":
            membership = content.get("membership")
            if membership == "invite" and event.state_key:
                await self._queue_event(
                    event.event_id,
                    "messages",
                    {
                        "sender_id": event.sender,
                        "recipient_id": event.state_key,
                        "count": 1,
                        "first_at": when,
                        "last_at": when,
                        "initiated_by_sender": True,
                        "room_id": event.room_id,
                    },
                )
            elif membership == "join":
                await self._queue_account(event.event_id, event.sender, content.get("displayname"))

    async def on_profile_update(self, user_id: str, profile: Any, by_admin: bool, deactivation: bool) -> None:
        """Forward the change; under ``block``, a display name with a lexicon term is reset to the user's
        local part (Synapse has no check before a profile change, so this is the earliest point)."""
        name = getattr(profile, "display_name", None)
        stamp = int(datetime.now(UTC).timestamp() * 1000)
        event_id = f"profile:{user_id}:{stamp}"
        if self.config.text_policy == "block" and isinstance(name, str) and name and not deactivation:
            try:
                found = await self.api.defer_to_thread(self.client.match_terms, [name], "display_name")
            except Unreachable:
                found = [[]]
            if found[0]:
                await self._queue_account(event_id, user_id, name, blocked_name=True)
                # after the change in flight has finished updating the rooms (a nested change breaks it)
                self.api.delayed_background_call(
                    200, self._reset_displayname, user_id, desc="bastion_reset_displayname"
                )
                return
        await self._queue_account(event_id, user_id, name, deactivated=deactivation)

    async def _reset_displayname(self, user_id: str) -> None:
        from synapse.types import UserID

        await self.api.set_displayname(UserID.from_string(user_id), user_id.split(":", 1)[0].lstrip("@"))

    # ---- helpers ---------------------------------------------------------------------------------------
    def _texts(self, event: Any) -> list[tuple[str, str]]:
        content = event.content or {}
        out = []
        for kind, key, field in TEXT_FIELDS:
            if event.type == kind and isinstance(content.get(key), str) and content[key]:
                out.append((field, content[key][:10_000]))
        if event.type == "m.room.canonical_alias":
            out += [("username", a) for a in content.get("alt_aliases") or [] if isinstance(a, str)]
        return out

    async def _queue_account(
        self, event_id: str, user_id: str, name: Any, *, deactivated: bool = False, blocked_name: bool = False
    ) -> None:
        info = await self.api.get_userinfo_by_id(user_id)
        created = getattr(info, "creation_ts", None)
        row: dict[str, Any] = {
            "account_id": user_id,
            "created_at": _iso(created * 1000 if created else None),
            "username": user_id.split(":", 1)[0].lstrip("@"),
        }
        if isinstance(name, str):
            row["display_name"] = name
        if deactivated:
            row["status"] = "suspended"
        if blocked_name:  # the refused name, kept as evidence (in the row's extra fields)
            row["blocked_display_name"] = row.pop("display_name", None)
        await self._queue_event(event_id, "accounts", row)

    async def _media_of(self, url: Any) -> dict[str, Any] | None:
        if not isinstance(url, str) or not url.startswith("mxc://"):
            return None
        media_id = url.rsplit("/", 1)[-1]
        hashes = await self.api.defer_to_thread(self.outbox.upload, media_id)
        if hashes is None:
            return None
        return {"media_id": url} | {k: v for k, v in hashes.items() if k in ("md5", "sha256", "pdq")}

    async def _remember_upload(self, file_info: Any, hashes: dict[str, Any]) -> None:
        await self.api.defer_to_thread(self.outbox.remember_upload, str(file_info.file_id), hashes)

    async def _queue_event(self, event_id: str, table: str, row: dict[str, Any]) -> None:
        payload = {"event_id": event_id, "table": table, "row": row}
        try:
            await self.api.defer_to_thread(self.outbox.put, "event", event_id, payload)
        except Full as exc:
            log.error("bastion: event %s not queued: %s", event_id, exc)

    async def _queue_report(self, key: str, report: dict[str, Any]) -> None:
        try:
            await self.api.defer_to_thread(self.outbox.put, "report", key, report)
        except Full as exc:
            log.error("bastion: report %s not queued: %s", key, exc)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.client.close()
        if self.admin is not None:
            self.admin.close()
        self.outbox.close()
