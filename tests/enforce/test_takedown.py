"""Network takedown: preview per member, one transaction, by role, re-runs create nothing new."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bastion.core.errors import NotFound
from bastion.enforce.model import ActionKind, Decision
from bastion.enforce.takedown import Takedowns
from bastion.store import Store
from bastion.store.tables_enforce import enforce_actions, enforce_takedowns

from .world import small_world

DECISION = Decision("rev", "network selling prohibited material", "CS-1.2")


def _count(store: Store, table) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_preview_lists_every_member_with_role_evidence_and_actions(store: Store, tmp_path: Path) -> None:
    platform, networks = small_world(store, tmp_path)
    preview = Takedowns(store).preview(networks[0])
    truth = platform.truth
    expected = {
        a for a, n in truth.network_of.items() if f"net-{n}" == networks[0] and truth.roles[a] != "decoy"
    }
    assert {m.account_id for m in preview.members} == expected
    for m in preview.members:
        assert m.role == truth.roles[m.account_id] and m.evidence
        if m.role == "seller":
            assert ActionKind.DISABLE_ACCOUNT in m.actions
        if m.role == "buyer":
            assert (
                ActionKind.DISABLE_ACCOUNT not in m.actions
                and ActionKind.RESTRICT_MESSAGES_TO_MINORS in m.actions
            )
    assert _count(store, enforce_actions) == 0  # a preview writes nothing


def test_apply_acts_on_all_members_once_and_reruns_add_nothing(store: Store, tmp_path: Path) -> None:
    _, networks = small_world(store, tmp_path)
    td = Takedowns(store)
    preview = td.preview(networks[0])
    first = td.apply(networks[0], DECISION)
    assert first.created == sum(len(m.actions) for m in preview.members)
    rows = td.status(first.takedown_id)
    assert {r["account_id"] for r in rows} == {m.account_id for m in preview.members}
    assert all(r["delivery"] == "pending" for r in rows)
    again = td.apply(networks[0], DECISION)
    assert again.created == 0 and again.takedown_id == first.takedown_id
    assert _count(store, enforce_takedowns) == 1


def test_a_failure_mid_takedown_leaves_nothing_half_applied(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, networks = small_world(store, tmp_path)
    import bastion.enforce.takedown as mod

    real = mod.insert_action
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(mod, "insert_action", flaky)
    with pytest.raises(RuntimeError):
        Takedowns(store).apply(networks[0], DECISION)
    assert _count(store, enforce_actions) == 0 and _count(store, enforce_takedowns) == 0
    monkeypatch.setattr(mod, "insert_action", real)
    assert Takedowns(store).apply(networks[0], DECISION).created > 0


def test_unknown_network(store: Store) -> None:
    with pytest.raises(NotFound):
        Takedowns(store).preview("net-404")
