"""Actions: a decision must name actor, reason and clause; appeals reverse with history kept; pull feed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bastion.core.errors import InputError, NotFound
from bastion.enforce.actions import ActionService
from bastion.enforce.model import ActionKind, ActionState, Decision
from bastion.store import Store
from bastion.store.tables_enforce import enforce_deliveries, enforce_events


def test_a_decision_without_actor_reason_or_clause_is_refused() -> None:
    for kw in ({"actor": " "}, {"reason": ""}, {"clause": ""}):
        args = {"actor": "rev", "reason": "why", "clause": "CS-1", **kw}
        with pytest.raises(InputError):
            Decision(**args)


def test_apply_reverse_keeps_append_only_history(store: Store) -> None:
    svc = ActionService(store)
    ids = svc.apply(
        "p", "a1", [ActionKind.DISABLE_ACCOUNT, ActionKind.RESTRICT_SEARCH], Decision("rev", "sold", "CS-1")
    )
    assert len(ids) == 2 and svc.get(ids[0]).state == ActionState.ACTIVE
    reversed_ = svc.reverse(ids[0], Decision("lead", "appeal upheld", "APPEAL-2"))
    assert reversed_.state == ActionState.REVERSED
    history = svc.history(ids[0])
    assert [(e.event, e.actor, e.clause) for e in history] == [
        ("applied", "rev", "CS-1"),
        ("reversed", "lead", "APPEAL-2"),
    ]
    with pytest.raises(InputError):
        svc.reverse(ids[0], Decision("lead", "again", "APPEAL-2"))
    with pytest.raises(NotFound):
        svc.reverse(999, Decision("lead", "x", "y"))
    with store.engine.connect() as conn:
        events = conn.execute(select(enforce_events.c.delivery_id)).scalars().all()
        deliveries = conn.execute(select(enforce_deliveries.c.delivery_id)).scalars().all()
    assert sorted(events) == sorted(deliveries) and len(set(events)) == 3  # one delivery per event


def test_pull_feed_pages_by_cursor(store: Store) -> None:
    svc = ActionService(store)
    for i in range(5):
        svc.apply("p", f"a{i}", [ActionKind.RESTRICT_RECOMMENDATIONS], Decision("rev", "r", "c"))
    svc.apply("q", "b", [ActionKind.DISABLE_ACCOUNT], Decision("rev", "r", "c"))
    first = svc.events(0, platform="p", limit=3)
    rest = svc.events(first[-1].event_id, platform="p")
    assert [e.action.account_id for e in first + rest] == [f"a{i}" for i in range(5)]
    assert all(e.as_json()["platform"] == "p" for e in first + rest)


def test_only_remove_content_targets_a_post(store: Store) -> None:
    svc = ActionService(store)
    with pytest.raises(InputError):
        svc.apply("p", "a", [ActionKind.DISABLE_ACCOUNT], Decision("r", "r", "c"), post_id="p1")
    (aid,) = svc.apply("p", "a", [ActionKind.REMOVE_CONTENT], Decision("r", "r", "c"), post_id="p1")
    assert (svc.get(aid).target_type, svc.get(aid).target_id) == ("post", "p1")
