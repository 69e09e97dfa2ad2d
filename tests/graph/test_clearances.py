"""A not-violating verdict holds an account out of networks until evidence dated after it: read from the
store as ``bastion detect`` reads it, reported by the run and by ``bastion explain``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.graph.explain import explain
from bastion.graph.service import NetworkDetector
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.synth import GroundTruth
from support.events import event, send
from support.exports import truth_export


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return truth_export(tmp_path_factory, accounts=1200, seed=3)


def _members(run: object) -> set[str]:
    return {m.account_id for n in run.networks for m in n.members}  # type: ignore[attr-defined]


def _verdict(platform: str, account: str, violating: bool, case: int, days_ago: float) -> Signal:
    at = utcnow() - timedelta(days=days_ago)
    evidence = {"case_id": case, "outcome": "violating" if violating else "not_violating"}
    return Signal(
        platform, EntityType.ACCOUNT, account, "verdict", "review", float(violating), evidence, str(case), at
    )


def test_a_cleared_member_is_held_out_until_a_report_or_a_contact_since(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    folder, truth = export
    Ingestor(store).ingest(folder)
    detector = NetworkDetector(store)
    first = detector.detect()
    done = detector.compute(truth.platform)
    strong = {done.loaded.graph.ids[i] for i in done.result.strong.nonzero()[0].tolist()}
    a, b, c = sorted(_members(first))[:3]
    store.signals.add([_verdict(truth.platform, x, False, 9, days_ago=2) for x in (a, b, c)])
    store.signals.add([_verdict(truth.platform, c, True, 10, days_ago=1)])  # the newest verdict wins

    second = detector.detect()
    assert a not in _members(second) and b not in _members(second) and c in _members(second)
    assert any(n.startswith("2 account(s) at or above the flag threshold held out") for n in second.notes)
    why = explain(detector.compute(truth.platform), a)
    day = (utcnow() - timedelta(days=2)).date().isoformat()
    assert not why.flagged
    assert why.status.endswith(
        f"but held out of networks: cleared by review on {day} (case 9); nothing new since"
    )

    # since the verdict: a report on ``a`` (from an ordinary account), and ``b`` followed a strong member
    reporter = next(x for x in done.loaded.graph.ids if truth.roles.get(x, "ordinary") == "ordinary")
    target = sorted(strong - {a, b, c})[0]
    now = utcnow().isoformat()
    report = {"report_id": "since-1", "reporter_id": reporter, "target_type": "account", "target_id": a,
              "reason": "child safety", "created_at": now}  # fmt: skip
    follow = {"follower_id": b, "followee_id": target, "created_at": now}
    send(store, truth.platform, [event("r1", "reports", **report), event("f1", "follows", **follow)])
    third = detector.detect()
    assert {a, b} <= _members(third)
    said = {
        m.account_id: e.text
        for n in third.networks
        for m in n.members
        for e in m.evidence
        if e.signal == "cleared"
    }
    assert said[a] == f"cleared by review on {day} (case 9); since then: 1 report"
    assert said[b].endswith("since then: chose to contact 1 account strong on evidence of its own")
    again = "2 account(s) cleared by review at or above the flag threshold again, on evidence dated since"
    assert any(n.startswith(again) for n in third.notes), third.notes
