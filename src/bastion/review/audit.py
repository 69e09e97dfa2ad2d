"""Append-only, hash-chained audit log: every evidence read and every decision leaves a row whose hash covers
the previous row's hash, so editing or deleting any row breaks the chain from there on.

Appends take the write lock first (an UPDATE of the single head row), which serialises writers on both
SQLite and PostgreSQL without a separate lock service; the caller passes its own connection so the audit row
commits or rolls back with the action it records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from bastion.core.timefmt import iso, utcnow
from bastion.store.bulk import insert_ignore
from bastion.store.tables_review import review_audit, review_audit_head

GENESIS = "0" * 64


def entry_hash(prev: str, seq: int, at: datetime, actor: str, action: str, subject: str, details: Any) -> str:
    body = json.dumps(
        [prev, seq, iso(at), actor, action, subject, details], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    conn: Connection, actor: str, action: str, subject: str, details: Mapping[str, Any] | None = None
) -> int:
    """Add one row on ``conn``'s transaction; returns its sequence number."""
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
    digest = entry_hash(prev, seq, at, actor, action, subject, data)
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
        )
    )
    conn.execute(update(review_audit_head).where(review_audit_head.c.id == 1).values(seq=seq, hash=digest))
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


def verify(engine: Engine) -> Verdict:
    """Recompute the chain: an edited, inserted or deleted row shows at the first seq that no longer fits."""
    problems: list[str] = []
    prev, expected_seq, rows = GENESIS, 1, 0
    with engine.connect() as conn:
        for r in conn.execute(select(review_audit).order_by(review_audit.c.seq)):
            rows += 1
            if r.seq != expected_seq:
                problems.append(f"row {expected_seq} is missing (next row is {r.seq})")
            if r.prev_hash != prev:
                problems.append(
                    f"row {r.seq}: previous-hash link broken (a row before it was changed or removed)"
                )
            digest = entry_hash(
                r.prev_hash, r.seq, r.at.replace(microsecond=0), r.actor, r.action, r.subject, r.details
            )
            if digest != r.hash:
                problems.append(f"row {r.seq}: content does not match its hash (edited)")
            prev, expected_seq = r.hash, r.seq + 1
        head = conn.execute(select(review_audit_head.c.seq, review_audit_head.c.hash)).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev):
        problems.append(
            f"head says row {head.seq} is last but the log ends at row {expected_seq - 1} (tail removed)"
        )
    return Verdict(not problems, rows, prev, tuple(problems))


def recent(engine: Engine, limit: int = 100, subject: str | None = None) -> list[dict[str, Any]]:
    query = select(review_audit).order_by(review_audit.c.seq.desc()).limit(limit)
    if subject is not None:
        query = query.where(review_audit.c.subject == subject)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
