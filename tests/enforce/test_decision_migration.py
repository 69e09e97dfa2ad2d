"""review_0003 + enforce_0002 on a database written before decisions were one record: every old action,
event and takedown still reads with the same actor, reason and clause (now from one decision row each), every
old case is in review_0004's default queue, and the schema is exactly the declared one, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bastion.enforce.actions import ActionService
from bastion.store import Store, migrate
from bastion.store.decisions import decisions
from bastion.store.schema import metadata
from bastion.store.tables_enforce import enforce_takedowns
from bastion.store.tables_review import review_cases, review_queues
from bastion.store.types import Instant

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)
T2 = datetime(2024, 3, 9, 12, 0, tzinfo=UTC)


def _table(name: str, *cols: str, times: tuple[str, ...] = (), json: tuple[str, ...] = ()) -> Any:
    return sa.table(
        name,
        *(sa.column(c) for c in cols),
        *(sa.column(c, Instant()) for c in times),
        *(sa.column(c, sa.JSON()) for c in json),
    )


def write_old_world(engine: sa.Engine) -> None:
    """A closed case decided in two stages, a takedown of two members, a manual two-action decision with one
    action reversed on appeal, and a CyberTipline report: all in the old layout (words on every row)."""
    cases = _table(
        "review_cases",
        *("case_id", "platform", "group_type", "group_id", "account_id", "category", "severity"),
        *("priority", "score", "status", "stage", "outcome", "report_count", "canary"),
        times=("created_at", "updated_at", "due_at"),
        json=("flags",),
    )
    old_decisions = _table(
        "review_decisions",
        *("case_id", "reviewer", "stage", "outcome", "clause", "reason"),  # ids from the sequence
        times=("created_at",),
    )
    takedowns = _table(
        "enforce_takedowns",
        *("takedown_id", "platform", "network_id", "actor", "reason", "clause", "members"),
        times=("decided_at",),
        json=("plan",),
    )
    actions = _table(
        "enforce_actions",
        *("action_id", "platform", "account_id", "target_type", "target_id", "kind", "state"),
        *("reason", "clause", "actor", "takedown_id", "role"),
        times=("decided_at",),
    )
    events = _table(
        "enforce_events",
        *("event_id", "action_id", "platform", "event", "actor", "reason", "clause", "delivery_id"),
        times=("at",),
    )
    reports = _table(
        "cybertip_reports",
        *("local_id", "platform", "case_ref", "account_id", "environment", "status"),
        times=("created_at",),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(cases).values(
                case_id=1, platform="p", group_type="account", group_id="acct-1", account_id="acct-1",
                category="child_safety", severity=5, priority=1, score=0.9, status="closed", stage="second",
                outcome="violating", report_count=1, canary=False, created_at=T0, updated_at=T1, due_at=T1,
                flags={},
            )
        )  # fmt: skip
        conn.execute(
            sa.insert(old_decisions),
            [
                {"case_id": 1, "reviewer": "ana", "stage": "first",
                 "outcome": "not_violating", "clause": "CS-1", "reason": "unclear", "created_at": T0},
                {"case_id": 1, "reviewer": "ben", "stage": "second",
                 "outcome": "violating", "clause": "CS-1", "reason": "hash match", "created_at": T1},
            ],
        )  # fmt: skip
        conn.execute(
            sa.insert(takedowns).values(
                takedown_id=1, platform="p", network_id="net-1", actor="lee", reason="network sells",
                clause="CS-1.2", members=2, decided_at=T0, plan={"seller": ["disable_account"]},
            )
        )  # fmt: skip
        common = {"platform": "p", "target_type": "account", "kind": "disable_account", "state": "active"}
        conn.execute(
            sa.insert(actions),
            [
                common | {"action_id": 1, "account_id": "acct-1", "target_id": "acct-1", "state": "reversed",
                          "actor": "lee", "reason": "sold", "clause": "CS-1", "decided_at": T1,
                          "takedown_id": None, "role": None},
                common | {"action_id": 2, "account_id": "acct-1", "target_id": "acct-1",
                          "kind": "restrict_search", "actor": "lee", "reason": "sold", "clause": "CS-1",
                          "decided_at": T1, "takedown_id": None, "role": None},
                common | {"action_id": 3, "account_id": "m-1", "target_id": "m-1", "actor": "lee",
                          "reason": "network sells", "clause": "CS-1.2", "decided_at": T0, "takedown_id": 1,
                          "role": "seller"},
                common | {"action_id": 4, "account_id": "m-2", "target_id": "m-2", "actor": "lee",
                          "reason": "network sells", "clause": "CS-1.2", "decided_at": T0, "takedown_id": 1,
                          "role": "seller"},
            ],
        )  # fmt: skip
        rows = [
            {"event_id": i, "action_id": i, "platform": "p", "event": "applied", "actor": "lee",
             "reason": "sold" if i < 3 else "network sells", "clause": "CS-1" if i < 3 else "CS-1.2",
             "delivery_id": f"d{i}", "at": T1 if i < 3 else T0}
            for i in (1, 2, 3, 4)
        ]  # fmt: skip
        rows.append(
            {"event_id": 5, "action_id": 1, "platform": "p", "event": "reversed", "actor": "lea",
             "reason": "appeal upheld", "clause": "APPEAL-2", "delivery_id": "d5", "at": T2}
        )  # fmt: skip
        conn.execute(sa.insert(events), rows)
        conn.execute(
            sa.insert(reports).values(
                local_id=1, platform="p", case_ref="free words", account_id="acct-1", environment="test",
                status="built", created_at=T1,
            )
        )  # fmt: skip


def test_old_actions_read_the_same_after_the_decision_migration(empty_url: str) -> None:
    engine = sa.create_engine(empty_url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "review_0002")
        command.upgrade(cfg, "enforce_0001")
    write_old_world(engine)
    engine.dispose()
    store = Store(empty_url)  # migrates to every head
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            case_rows = conn.execute(
                sa.select(decisions).where(decisions.c.case_id == 1).order_by(decisions.c.decision_id)
            ).all()
            takedown_decision = conn.execute(sa.select(enforce_takedowns.c.decision_id)).scalar_one()
            in_queue = conn.execute(  # review_0004: every existing case is in the default queue
                sa.select(review_queues.c.name, review_queues.c.is_default).join(
                    review_cases, review_cases.c.queue_id == review_queues.c.queue_id
                )
            ).all()
        assert [tuple(r) for r in in_queue] == [("General", True)]
        assert [(d.reviewer, d.final, d.platform, d.category) for d in case_rows] == [
            ("ana", False, "p", "child_safety"),
            ("ben", True, "p", "child_safety"),
        ]
        service = ActionService(store)
        a1, a2, a3, a4 = (service.get(i) for i in (1, 2, 3, 4))
        assert (a1.actor, a1.reason, a1.clause, a1.decided_at, str(a1.state)) == (
            "lee", "sold", "CS-1", T1, "reversed",
        )  # fmt: skip
        assert a1.decision_id == a2.decision_id and a1.case_id is None
        assert a3.decision_id == a4.decision_id == takedown_decision != a1.decision_id
        assert (a3.reason, a3.clause, a3.role) == ("network sells", "CS-1.2", "seller")
        history = service.history(1)
        assert [(e.event, e.actor, e.reason, e.clause, e.at) for e in history] == [
            ("applied", "lee", "sold", "CS-1", T1),
            ("reversed", "lea", "appeal upheld", "APPEAL-2", T2),
        ]
        assert history[0].decision_id == a1.decision_id != history[1].decision_id
        assert service.decision(a1.decision_id or 0).subjects[0].account_id == "acct-1"
        assert [e.event_id for e in service.events()] == [1, 2, 3, 4, 5]  # the pull cursor is unchanged
    finally:
        store.close()
