"""Preservation of finished CyberTipline reports (18 U.S.C. 2258A(h)): one year at least, encrypted at rest,
readable only by the roles an operator names, every access written to an append-only log.

Evidence a connector keeps before an enforcement action destroys it (a Mastodon account's statuses and media
files, which a suspension deletes) is preserved here too, without a report: referenced by platform, account
and the action's reference (:meth:`PreservationVault.preserve_evidence`), under the same key, period, roles,
access log and purge. Those media bytes are the one place Bastion holds any: encrypted, never displayed.

Contents and context are Fernet tokens (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key from the
environment, so a database dump alone reveals nothing. Destruction on a law-enforcement request (2258B(c))
and the scheduled purge clear the ciphertext and keep a record of who, when and why; the access log rows are
never updated or deleted.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from bastion.core.errors import ConfigError, Forbidden, NotFound
from bastion.core.timefmt import utcnow
from bastion.enforce import MIN_PRESERVATION_DAYS
from bastion.store import Store
from bastion.store.tables_enforce import preservation_access, preservation_items

LE_REQUEST = "law_enforcement_request"
SCHEDULE = "schedule"


class AccessDenied(Forbidden):
    """The caller's role may not read or destroy preserved data (the refusal is logged too)."""


@dataclass(frozen=True, slots=True)
class PreservedItem:
    item_id: int
    local_id: int | None  # the CyberTipline report; None for evidence kept for an enforcement action
    platform: str
    kind: str
    started_at: datetime
    preserve_until: datetime
    destroyed_at: datetime | None
    destroyed_by: str | None
    destroy_reason: str | None
    account_id: str | None = None
    action_ref: str | None = None


@dataclass(frozen=True, slots=True)
class AccessRecord:
    item_id: int
    actor: str
    role: str
    action: str
    detail: str
    at: datetime


class PreservationVault:
    def __init__(
        self,
        store: Store,
        key: bytes,
        *,
        days: int = MIN_PRESERVATION_DAYS,
        reader_roles: Collection[str] = ("admin", "lead"),
    ) -> None:
        if days < MIN_PRESERVATION_DAYS:
            raise ConfigError(f"preservation must last at least {MIN_PRESERVATION_DAYS} days (2258A(h))")
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"BASTION_PRESERVATION_KEY is not a Fernet key: {exc}") from None
        self.store = store
        self.days = days
        self.reader_roles = frozenset(reader_roles)

    def preserve(
        self,
        local_id: int,
        platform: str,
        contents: Mapping[str, Any],
        context: Mapping[str, Any],
        *,
        actor: str,
        now: datetime | None = None,
    ) -> list[int]:
        """Start preservation of one finished report: its contents and its context, one item each."""
        now = now or utcnow()
        ids = []
        with self.store.engine.begin() as conn:
            for kind, payload in (("report", contents), ("context", context)):
                where = {"local_id": local_id, "platform": platform, "kind": kind}
                ids.append(self._insert(conn, payload, actor, now, **where))
        return ids

    def _insert(self, conn: Any, payload: Mapping[str, Any], actor: str, now: datetime, **where: Any) -> int:
        """One encrypted item for the legal period, and the log row that says so; its id."""
        token = self._fernet.encrypt(json.dumps(payload, sort_keys=True, default=str).encode())
        item_id = int(
            conn.execute(
                insert(preservation_items).values(
                    **where,
                    ciphertext=token.decode(),
                    started_at=now,
                    preserve_until=now + timedelta(days=self.days),
                )
            ).inserted_primary_key[0]
        )
        _log(conn, item_id, actor, "system", "create", f"preserved for {self.days} days")
        return item_id

    def preserve_evidence(
        self,
        platform: str,
        account_id: str,
        action_ref: str,
        record: Mapping[str, Any],
        *,
        actor: str,
        kind: str = "account",
        now: datetime | None = None,
    ) -> int:
        """Start preservation of evidence kept for an enforcement action (no report needed); the item's
        id. Idempotent on (platform, action_ref, kind): a retried action finds the first record."""
        found = self.evidence(platform, action_ref, kind)
        if found is not None:
            return found
        now = now or utcnow()
        where = {"platform": platform, "account_id": account_id, "action_ref": action_ref, "kind": kind}
        try:
            with self.store.engine.begin() as conn:
                item_id = self._insert(conn, record, actor, now, local_id=None, **where)
        except IntegrityError:  # another writer kept it first: that one is the evidence
            again = self.evidence(platform, action_ref, kind)
            if again is None:
                raise
            return again
        return item_id

    def evidence(self, platform: str, action_ref: str, kind: str = "account") -> int | None:
        """The item preserved for an action (``None`` if none was), without reading it (not an access)."""
        with self.store.engine.connect() as conn:
            found = conn.scalar(
                select(preservation_items.c.item_id).where(
                    preservation_items.c.platform == platform,
                    preservation_items.c.action_ref == action_ref,
                    preservation_items.c.kind == kind,
                )
            )
        return int(found) if found is not None else None

    def read(self, item_id: int, *, actor: str, role: str) -> dict[str, Any]:
        with self.store.engine.begin() as conn:
            row = self._row(conn, item_id)
            if role not in self.reader_roles:
                _log(conn, item_id, actor, role, "denied", "read refused: role not authorised")
                denied = True
            else:
                denied = False
                if row.ciphertext is None:
                    _log(conn, item_id, actor, role, "read", "read after destruction: nothing returned")
                else:
                    _log(conn, item_id, actor, role, "read", "contents read")
        if denied:
            raise AccessDenied(f"role {role!r} may not read preserved data")
        if row.ciphertext is None:
            raise NotFound(f"preserved item {item_id} was destroyed ({row.destroy_reason})")
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(row.ciphertext.encode()))
        except InvalidToken:
            raise ConfigError("preserved data does not decrypt with BASTION_PRESERVATION_KEY") from None
        return data

    def destroy(self, local_id: int, *, actor: str, role: str, request_ref: str) -> int:
        """Destroy a report's preserved data on a law-enforcement request (2258B(c)); returns the count."""
        if not request_ref.strip():
            raise AccessDenied("destruction needs the law-enforcement request's reference")
        with self.store.engine.begin() as conn:
            items = list(
                conn.execute(select(preservation_items).where(preservation_items.c.local_id == local_id))
            )
            if not items:
                raise NotFound(f"nothing preserved for report {local_id}")
            if role not in self.reader_roles:
                for it in items:
                    _log(conn, it.item_id, actor, role, "denied", "destroy refused: role not authorised")
        if role not in self.reader_roles:
            raise AccessDenied(f"role {role!r} may not destroy preserved reports")
        reason = f"{LE_REQUEST}: {request_ref}"
        return self._clear(
            [it.item_id for it in items if it.destroyed_at is None], actor, role, reason, "destroy"
        )

    def purge_due(self, *, actor: str = "scheduler", now: datetime | None = None) -> int:
        """Purge every item whose preservation period has ended; each purge is recorded."""
        now = now or utcnow()
        with self.store.engine.connect() as conn:
            due = list(
                conn.scalars(
                    select(preservation_items.c.item_id).where(
                        preservation_items.c.destroyed_at.is_(None),
                        preservation_items.c.preserve_until <= now,
                    )
                )
            )
        return self._clear(due, actor, "system", SCHEDULE, "purge", now=now)

    def _clear(
        self, ids: list[int], actor: str, role: str, reason: str, action: str, now: datetime | None = None
    ) -> int:
        now = now or utcnow()
        with self.store.engine.begin() as conn:
            for item_id in ids:
                conn.execute(
                    update(preservation_items)
                    .where(preservation_items.c.item_id == item_id)
                    .values(ciphertext=None, destroyed_at=now, destroyed_by=actor, destroy_reason=reason)
                )
                _log(conn, item_id, actor, role, action, reason)
        return len(ids)

    def items(self, local_id: int | None = None) -> list[PreservedItem]:
        query = select(preservation_items).order_by(preservation_items.c.item_id)
        if local_id is not None:
            query = query.where(preservation_items.c.local_id == local_id)
        with self.store.engine.connect() as conn:
            return [
                PreservedItem(
                    r.item_id,
                    r.local_id,
                    r.platform,
                    r.kind,
                    r.started_at,
                    r.preserve_until,
                    r.destroyed_at,
                    r.destroyed_by,
                    r.destroy_reason,
                    r.account_id,
                    r.action_ref,
                )
                for r in conn.execute(query)
            ]

    def access_log(self, item_id: int | None = None) -> list[AccessRecord]:
        query = select(preservation_access).order_by(preservation_access.c.access_id)
        if item_id is not None:
            query = query.where(preservation_access.c.item_id == item_id)
        with self.store.engine.connect() as conn:
            return [
                AccessRecord(r.item_id, r.actor, r.role, r.action, r.detail, r.at)
                for r in conn.execute(query)
            ]

    def _row(self, conn: Connection, item_id: int) -> Any:
        row = conn.execute(select(preservation_items).where(preservation_items.c.item_id == item_id)).first()
        if row is None:
            raise NotFound(f"no preserved item {item_id}")
        return row


def _log(conn: Connection, item_id: int, actor: str, role: str, action: str, detail: str) -> None:
    conn.execute(
        insert(preservation_access).values(
            item_id=item_id, actor=actor, role=role, action=action, detail=detail, at=utcnow()
        )
    )
