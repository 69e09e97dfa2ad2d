"""The decision repository: write a :class:`~bastion.core.decision.Decision` once, read it back by id.

Review writes a case's decisions here; enforcement writes a lead's decisions outside a case; actions, their
events and CyberTipline drafts keep only the id. Every function takes the caller's connection, so a decision
and what follows from it share one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select

from bastion.core.decision import Decision, Subject
from bastion.core.errors import NotFound
from bastion.store.tables_review import review_decisions

#: The table, under the name the other capabilities use for it.
decisions = review_decisions


def save_decision(conn: Connection, decision: Decision) -> Decision:
    """Insert the decision; returns it with its new id."""
    new_id = conn.execute(
        insert(decisions).values(
            case_id=decision.case_id,
            reviewer=decision.actor,
            stage=decision.stage,
            outcome=decision.outcome,
            clause=decision.clause,
            reason=decision.reason,
            created_at=decision.at,
            platform=decision.platform,
            category=decision.category,
            subjects=[s.as_json() for s in decision.subjects],
            final=decision.final,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    return decision.with_id(int(new_id))


def decision_from_row(row: Row[Any]) -> Decision:
    m = row._mapping
    return Decision(
        actor=m["reviewer"],
        reason=m["reason"],
        clause=m["clause"],
        at=m["created_at"],
        outcome=m["outcome"],
        category=m["category"],
        case_id=m["case_id"],
        stage=m["stage"],
        platform=m["platform"],
        subjects=tuple(Subject.from_json(s) for s in (m["subjects"] or [])),
        final=bool(m["final"]),
        decision_id=m["decision_id"],
    )


def load_decision(conn: Connection, decision_id: int) -> Decision:
    row = conn.execute(select(decisions).where(decisions.c.decision_id == decision_id)).first()
    if row is None:
        raise NotFound(f"no decision {decision_id}")
    return decision_from_row(row)


def final_decision(conn: Connection, case_id: int, *, before: int | None = None) -> Decision | None:
    """The case's latest final decision (older than decision ``before``, when given)."""
    query = select(decisions).where(decisions.c.case_id == case_id, decisions.c.final.is_(True))
    if before is not None:
        query = query.where(decisions.c.decision_id < before)
    row = conn.execute(query.order_by(decisions.c.decision_id.desc()).limit(1)).first()
    return None if row is None else decision_from_row(row)


__all__ = ["decision_from_row", "decisions", "final_decision", "load_decision", "save_decision"]
