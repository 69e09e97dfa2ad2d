"""Open cases as ``case_open`` signals, so the guards can hold back accounts under review; final
decisions as ``verdict`` signals, so detection can learn from them.

The guards and detection must not read review's tables; they read signals. Every change to a case's
status (triage, decision, appeal) re-derives these signals in the same transaction, so a closed case stops
holding an account back the moment it is closed, a reopened one starts again, and an appealed decision is
no longer a verdict until the appeal is decided.
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
VERDICT = "verdict"
SOURCE = "review"
#: Final outcomes that say whether the accounts were what the case suspected (escalations say neither).
VERDICT_SCORES = {"violating": 1.0, "not_violating": 0.0}


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


def record_verdict(conn: Connection, case_id: int) -> int:
    """One ``verdict`` signal (1 violating, 0 not) per account the closed case decided on: the case's
    account, or every member of the network it was opened on. Returns how many were written."""
    conn.execute(
        delete(signals).where(
            signals.c.kind == VERDICT, signals.c.source == SOURCE, signals.c.key == str(case_id)
        )
    )
    case = conn.execute(select(review_cases).where(review_cases.c.case_id == case_id)).first()
    if case is None or case.canary or case.status != "closed" or case.outcome not in VERDICT_SCORES:
        return 0
    if case.account_id is not None:
        accounts = [case.account_id]
    elif case.group_type == "network":
        rows = conn.execute(
            select(signals.c.entity_id, signals.c.evidence).where(
                signals.c.platform == case.platform, signals.c.kind == "network_member"
            )
        ).all()
        accounts = sorted(
            {r.entity_id for r in rows if str((r.evidence or {}).get("network_id")) == case.group_id}
        )
    else:
        return 0
    now = utcnow()
    conn.execute(
        insert(signals),
        [
            {
                "platform": case.platform,
                "entity_type": "account",
                "entity_id": a,
                "kind": VERDICT,
                "source": SOURCE,
                "key": str(case_id),
                "score": VERDICT_SCORES[case.outcome],
                "evidence": {"case_id": case_id, "outcome": case.outcome, "category": case.category},
                "created_at": now,
            }
            for a in accounts
        ],
    )
    return len(accounts)
