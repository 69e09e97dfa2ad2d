"""Follow-through: still-active accounts by time since decision, escalation signals, transparency summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from bastion.core.model import EntityType, Signal
from bastion.enforce.actions import ActionService
from bastion.enforce.followthrough import Tracked, follow_through, transparency
from bastion.enforce.model import ActionKind, Decision
from bastion.enforce.status import recheck, tracked_accounts, transparency_summary
from bastion.store import Store
from bastion.store.tables import accounts, ingest_files, platforms

NOW = datetime(2025, 3, 1, tzinfo=UTC)


def _t(days: float, status: str) -> Tracked:
    return Tracked("p", f"a{days}{status}", NOW - timedelta(days=days), status, NOW)


def test_buckets_and_escalation_are_computed_from_decision_age() -> None:
    items = [_t(0.5, "active"), _t(3, "disabled"), _t(10, "active"), _t(40, "active"), _t(45, "deleted")]
    r = follow_through(items, escalate_after_days=7)
    assert [(b.tracked, b.still_active) for b in r.buckets] == [(1, 1), (1, 0), (1, 1), (2, 1)]
    assert sorted(t.days for t in r.escalate) == [10, 40]
    t = transparency(
        networks_dismantled=1, roles={"a": "seller", "b": None}, hours_to_action=[1, 3, 8], tracked=items
    )
    assert t.accounts_by_role == {"individual": 1, "seller": 1}
    assert t.median_hours_to_action == 3 and (t.old_enough_30d, t.still_active_30d) == (2, 1)


def _seed(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name="p", first_seen_at=NOW))
        for i, status in enumerate(["active", "disabled", "active", "active"]):
            conn.execute(
                accounts.insert().values(
                    platform="p", account_id=f"a{i}", created_at=NOW - timedelta(days=400), status=status
                )
            )
        conn.execute(
            ingest_files.insert().values(
                platform="p",
                table_name="accounts",
                file_name="accounts.csv",
                fingerprint="x",
                position=4,
                rows_accepted=4,
                rows_rejected=0,
                complete=True,
                updated_at=NOW,
            )
        )
    store.signals.add(
        [
            Signal(
                "p",
                EntityType.ACCOUNT,
                "a0",
                "hash_match",
                "media",
                1.0,
                {},
                created_at=NOW - timedelta(days=41),
            )
        ]
    )


def test_recheck_escalates_accounts_still_active_and_clears_when_fixed(store: Store) -> None:
    _seed(store)
    svc = ActionService(store)
    for i, days in enumerate([40, 35, 2]):
        svc.apply(
            "p",
            f"a{i}",
            [ActionKind.DISABLE_ACCOUNT],
            Decision("rev", "r", "CS-1", at=NOW - timedelta(days=days)),
        )
    svc.apply(
        "p", "a3", [ActionKind.RESTRICT_SEARCH], Decision("rev", "r", "CS-1", at=NOW - timedelta(days=40))
    )
    result = recheck(store, "p", escalate_after_days=7)
    assert result.tracked == 3  # a restriction leaves the account active by design: not tracked
    assert [t.account_id for t in result.escalate] == ["a0"]
    assert [s.entity_id for s in store.signals.of_kind("still_active", "p")] == ["a0"]
    with store.engine.begin() as conn:
        conn.execute(update(accounts).where(accounts.c.account_id == "a0").values(status="disabled"))
    assert recheck(store, "p", escalate_after_days=7).escalate == []
    assert list(store.signals.of_kind("still_active", "p")) == []
    summary = transparency_summary(store, "p")
    assert summary.accounts_by_role == {"individual": 4}
    assert summary.old_enough_30d == 2 and summary.median_hours_to_action is not None


def test_a_decision_newer_than_the_export_is_awaiting_not_active(store: Store) -> None:
    _seed(store)
    ActionService(store).apply(
        "p", "a0", [ActionKind.DISABLE_ACCOUNT], Decision("rev", "r", "c", at=NOW + timedelta(days=1))
    )
    (t,) = tracked_accounts(store, "p")
    assert t.status is None and not t.still_active
