"""Open cases as ``case_open`` signals, so the guards can hold back accounts under review.

The guards must not read review's tables; they read signals. Every change to a case's status (triage,
decision, appeal) re-derives these signals in the same transaction, so a closed case stops holding an
account back the moment it is closed, and a reopened one starts again.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select

from bastion.core.timefmt import utcnow
from bastion.review.policy import CHILD_SAFETY
from bastion.store.tables import signals
from bastion.store.tables_review import review_cases

KIND = "case_open"
SOURCE = "review"


def sync_case_signals(conn: Connection) -> int:
    """Replace every ``case_open`` signal with one per open (or in-review) case on an account."""
    rows = conn.execute(
        select(
            review_cases.c.case_id,
            review_cases.c.platform,
            review_cases.c.account_id,
            review_cases.c.category,
            review_cases.c.priority,
            review_cases.c.stage,
        ).where(
            review_cases.c.status != "closed",
            review_cases.c.canary.is_(False),
            review_cases.c.account_id.is_not(None),
        )
    ).all()
    conn.execute(delete(signals).where(and_(signals.c.kind == KIND, signals.c.source == SOURCE)))
    if not rows:
        return 0
    now = utcnow()
    seen: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(dict)
    for r in rows:
        seen[(r.platform, r.account_id, str(r.case_id))] = {
            "platform": r.platform,
            "entity_type": "account",
            "entity_id": r.account_id,
            "kind": KIND,
            "source": SOURCE,
            "key": str(r.case_id),
            "score": 1.0 if r.category == CHILD_SAFETY else 0.5,
            "evidence": {
                "case_id": r.case_id,
                "category": r.category,
                "priority": r.priority,
                "stage": r.stage,
            },
            "created_at": now,
        }
    conn.execute(insert(signals), list(seen.values()))
    return len(seen)
