"""enforce: actions, events and takedowns reference their decision instead of copying who, why and which
clause; CyberTipline reports reference their case and decision

Existing rows keep reading the same: each takedown becomes one ``takedown`` decision, actions outside a
takedown that share actor, reason, clause and time (one ``apply`` call) become one ``manual`` decision, and
each reversal event becomes one ``reversal`` decision, all without a case.

Revision ID: enforce_0002
Revises: enforce_0001, review_0003
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import bastion.store.types

revision = "enforce_0002"
down_revision = ("enforce_0001", "review_0003")  # actions now reference review's decisions
branch_labels = None
depends_on = None

_TEXT = ("actor", "reason", "clause")


def _decisions() -> sa.TableClause:
    return sa.table(
        "review_decisions",
        sa.column("decision_id", sa.Integer()),
        sa.column("case_id", sa.Integer()),
        sa.column("reviewer", sa.String()),
        sa.column("stage", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("clause", sa.Text()),
        sa.column("reason", sa.Text()),
        sa.column("created_at", bastion.store.types.Instant(timezone=True)),
        sa.column("platform", sa.String()),
        sa.column("subjects", sa.JSON()),
        sa.column("final", sa.Boolean()),
    )


def _new_decision(
    conn: sa.Connection, stage: str, outcome: str, row: Any, at: Any, subjects: list[Any]
) -> int:
    table = _decisions()
    return int(
        conn.execute(
            sa.insert(table)
            .values(
                case_id=None,
                reviewer=row.actor,
                stage=stage,
                outcome=outcome,
                clause=row.clause,
                reason=row.reason,
                created_at=at,
                platform=row.platform,
                subjects=subjects,
                final=True,
            )
            .returning(table.c.decision_id)
        ).scalar_one()
    )


def upgrade() -> None:
    for table in ("enforce_takedowns", "enforce_actions", "enforce_events"):
        _add_reference(table, "decision_id", "review_decisions")
    _add_reference("cybertip_reports", "case_id", "review_cases")
    _add_reference("cybertip_reports", "decision_id", "review_decisions")
    _move_words(op.get_bind())
    for table in ("enforce_takedowns", "enforce_actions", "enforce_events"):
        for name in _TEXT:
            op.drop_column(table, name)


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable column referencing ``target``. SQLite adds it in place (ALTER TABLE ... REFERENCES): these
    tables are referenced by others, and rebuilding one with foreign keys on would fail at commit."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {name} REFERENCES {target} ({column})"
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], [column])


def _move_words(conn: sa.Connection) -> None:
    takedowns = sa.table(
        "enforce_takedowns",
        *(sa.column(n) for n in ("takedown_id", "platform", "decision_id", *_TEXT)),
        sa.column("decided_at", bastion.store.types.Instant(timezone=True)),
    )
    actions = sa.table(
        "enforce_actions",
        *(
            sa.column(n)
            for n in ("action_id", "platform", "account_id", "takedown_id", "role", "decision_id")
        ),
        *(sa.column(n) for n in _TEXT),
        sa.column("decided_at", bastion.store.types.Instant(timezone=True)),
    )
    events = sa.table(
        "enforce_events",
        *(sa.column(n) for n in ("event_id", "action_id", "platform", "event", "decision_id", *_TEXT)),
        sa.column("at", bastion.store.types.Instant(timezone=True)),
    )
    by_takedown: dict[int, int] = {}
    for t in conn.execute(sa.select(takedowns).order_by(takedowns.c.takedown_id)).all():
        by_takedown[t.takedown_id] = _new_decision(conn, "takedown", "violating", t, t.decided_at, [])
        conn.execute(
            sa.update(takedowns)
            .where(takedowns.c.takedown_id == t.takedown_id)
            .values(decision_id=by_takedown[t.takedown_id])
        )
    rows = conn.execute(sa.select(actions).order_by(actions.c.action_id)).all()
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for a in rows:
        key = (a.takedown_id, a.platform, a.actor, a.reason, a.clause, a.decided_at)
        groups.setdefault(key, []).append(a)
    for (takedown_id, *_), members in groups.items():
        if takedown_id is not None and takedown_id in by_takedown:
            decision_id = by_takedown[takedown_id]
        else:
            subjects = sorted({a.account_id for a in members})
            decision_id = _new_decision(
                conn,
                "manual",
                "violating",
                members[0],
                members[0].decided_at,
                [{"platform": members[0].platform, "account_id": s, "role": "subject"} for s in subjects],
            )
        conn.execute(
            sa.update(actions)
            .where(actions.c.action_id.in_([a.action_id for a in members]))
            .values(decision_id=decision_id)
        )
    applied = sa.select(actions.c.decision_id).where(actions.c.action_id == events.c.action_id)
    conn.execute(
        sa.update(events).where(events.c.event == "applied").values(decision_id=applied.scalar_subquery())
    )
    for e in conn.execute(sa.select(events).where(events.c.event != "applied")).all():
        decision_id = _new_decision(conn, "reversal", "not_violating", e, e.at, [])
        conn.execute(sa.update(events).where(events.c.event_id == e.event_id).values(decision_id=decision_id))


def downgrade() -> None:
    raise NotImplementedError("enforce_0002 moves words into review_decisions; restore a backup to go back")
