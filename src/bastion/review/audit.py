"""Append-only audit log, chained with a key: every evidence read and every decision leaves a row whose MAC
(HMAC-SHA256 under a key kept outside the database, see :mod:`bastion.review.audit_anchor`) covers the
previous row's, so editing, inserting or deleting a row breaks the chain from there on and cannot be repaired
by re-hashing without the key. Signed checkpoints of the head, written outside the database, catch what a
chain alone cannot: dropped last rows and an emptied log.

Rows written before the chain was keyed (``scheme = 'sha256'``) stay verifiable as a prefix: the first keyed
row's MAC covers the last of them, and no unkeyed row may follow a keyed one.

Appends take the write lock first (an UPDATE of the single head row), which serialises writers on both
SQLite and PostgreSQL without a separate lock service; the caller passes its own connection so the audit row
commits or rolls back with the action it records.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from bastion.core.timefmt import iso, utcnow
from bastion.review.audit_anchor import (
    GENESIS,
    KEYED,
    LEGACY,
    Anchors,
    audit_settings,
    chain_key,
    load_anchors,
    note_write,
    open_sink,
)
from bastion.store.bulk import insert_ignore
from bastion.store.tables_review import review_audit, review_audit_head

__all__ = ["GENESIS", "Verdict", "append", "entry_hash", "recent", "record", "verify"]


def _body(prev: str, seq: int, at: datetime, actor: str, action: str, subject: str, details: Any) -> bytes:
    return json.dumps(
        [prev, seq, iso(at), actor, action, subject, details], sort_keys=True, separators=(",", ":")
    ).encode()


def entry_hash(
    prev: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Any,
    key: bytes | None = None,
) -> str:
    """The row's MAC under ``key``; without a key, the unkeyed SHA-256 of rows written before keying."""
    body = _body(prev, seq, at, actor, action, subject, details)
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def append(
    conn: Connection, actor: str, action: str, subject: str, details: Mapping[str, Any] | None = None
) -> int:
    """Add one row on ``conn``'s transaction; returns its sequence number."""
    key = chain_key()
    locked = conn.execute(
        update(review_audit_head).where(review_audit_head.c.id == 1).values(seq=review_audit_head.c.seq)
    )
    if locked.rowcount == 0:  # first entry ever; two first entries at once must not both create the head
        conn.execute(insert_ignore(conn, review_audit_head).values(id=1, seq=0, hash=GENESIS))
        conn.execute(
            update(review_audit_head).where(review_audit_head.c.id == 1).values(seq=review_audit_head.c.seq)
        )
    head = conn.execute(select(review_audit_head.c.seq, review_audit_head.c.hash)).one()
    seq, prev = int(head.seq) + 1, str(head.hash)
    at = utcnow().replace(microsecond=0)
    data = json.loads(json.dumps(dict(details or {}), default=str))
    digest = entry_hash(prev, seq, at, actor, action, subject, data, key)
    conn.execute(
        insert(review_audit).values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            details=data,
            prev_hash=prev,
            hash=digest,
            scheme=KEYED,
        )
    )
    conn.execute(update(review_audit_head).where(review_audit_head.c.id == 1).values(seq=seq, hash=digest))
    note_write(conn.engine)
    return seq


def record(
    engine: Engine, actor: str, action: str, subject: str, details: Mapping[str, Any] | None = None
) -> int:
    with engine.begin() as conn:
        return append(conn, actor, action, subject, details)


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    rows: int
    head: str
    problems: tuple[str, ...]
    #: The lowest sequence number that is wrong (edited, missing, or removed below a checkpoint).
    first_bad: int | None = None
    #: Valid checkpoints found, and the highest sequence they anchor.
    anchors: int = 0
    anchored_seq: int | None = None
    notes: tuple[str, ...] = field(default=())


class _Findings:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.first_bad: int | None = None

    def add(self, seq: int | None, message: str) -> None:
        self.problems.append(message)
        if seq is not None and (self.first_bad is None or seq < self.first_bad):
            self.first_bad = seq


def verify(engine: Engine, key: bytes | None = None, anchors: Anchors | None = None) -> Verdict:
    """Recompute the chain under the key and hold it against the checkpoints (the configured sink's unless
    ``anchors`` is given): an edited, re-hashed, inserted or deleted row, a removed tail and an emptied log
    all show, with the first sequence that no longer fits."""
    settings = audit_settings()
    key = key if key is not None else settings.key()
    notes: list[str] = []
    if anchors is None:
        sink = open_sink(settings.audit_anchor)
        if sink is None:
            notes.append("no checkpoint sink (BASTION_AUDIT_ANCHOR): removed tails cannot be detected")
        else:
            anchors = load_anchors(sink, key)
            if anchors is None:
                notes.append(f"checkpoints go to {sink.name}; verify against its copy with --anchors FILE")
    found = _Findings()
    pinned = {c.seq: c for c in anchors.checkpoints} if anchors is not None else {}
    legacy_limit = max((c.legacy_until for c in pinned.values()), default=None)
    prev, expected_seq, rows, legacy_rows, keyed_seen = GENESIS, 1, 0, 0, False
    with engine.connect() as conn:
        for r in conn.execute(select(review_audit).order_by(review_audit.c.seq)):
            rows += 1
            if r.seq != expected_seq:
                found.add(expected_seq, f"row {expected_seq} is missing (next row is {r.seq})")
            if r.prev_hash != prev:
                found.add(
                    r.seq, f"row {r.seq}: previous-hash link broken (a row before it was changed or removed)"
                )
            legacy = r.scheme == LEGACY
            if legacy and (keyed_seen or (legacy_limit is not None and r.seq > legacy_limit)):
                found.add(r.seq, f"row {r.seq}: written without the key after the chain was keyed (forged)")
            digest = entry_hash(
                r.prev_hash,
                r.seq,
                r.at.replace(microsecond=0),
                r.actor,
                r.action,
                r.subject,
                r.details,
                None if legacy else key,
            )
            if not hmac.compare_digest(digest, r.hash):
                found.add(
                    r.seq,
                    f"row {r.seq}: content does not match its MAC (edited or re-hashed without the key)",
                )
            cp = pinned.get(r.seq)
            if cp is not None and cp.hash != r.hash:
                found.add(
                    r.seq, f"row {r.seq}: differs from the checkpoint of {cp.at} (the log was rewritten)"
                )
            legacy_rows += legacy
            keyed_seen = keyed_seen or not legacy
            prev, expected_seq = r.hash, r.seq + 1
        head = conn.execute(select(review_audit_head.c.seq, review_audit_head.c.hash)).first()
    last = expected_seq - 1
    if head is not None and (head.seq != last or head.hash != prev):
        found.add(last + 1, f"head says row {head.seq} is last but the log ends at row {last} (tail removed)")
    if rows and head is None:
        found.add(last, "the head row is missing")
    latest = anchors.latest if anchors is not None else None
    if latest is not None and latest.seq > last:
        found.add(
            last + 1,
            f"the log ends at row {last} but the checkpoint of {latest.at} anchors row {latest.seq}: "
            + ("the log was emptied" if rows == 0 else f"rows {last + 1}..{latest.seq} were removed"),
        )
    if anchors is not None:
        for line in anchors.rejected:
            found.add(None, f"checkpoint {line}")
    if legacy_rows:
        notes.append(f"{legacy_rows} row(s) predate the keyed chain (protected by the first keyed row)")
    return Verdict(
        ok=not found.problems,
        rows=rows,
        head=prev,
        problems=tuple(found.problems),
        first_bad=found.first_bad,
        anchors=len(anchors.checkpoints) if anchors is not None else 0,
        anchored_seq=latest.seq if latest is not None else None,
        notes=tuple(notes),
    )


def recent(engine: Engine, limit: int = 100, subject: str | None = None) -> list[dict[str, Any]]:
    query = select(review_audit).order_by(review_audit.c.seq.desc()).limit(limit)
    if subject is not None:
        query = query.where(review_audit.c.subject == subject)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
