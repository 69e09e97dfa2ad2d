"""A not-violating verdict holds an account out of networks until evidence dated after it: read from the
store as ``bastion detect`` reads it, reported by the run and by ``bastion explain``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.graph.explain import explain
from bastion.graph.load import load_platform
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


def test_a_cleared_member_is_held_out_until_reports_or_a_contact_since(
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

    # since the verdict: one report on ``a`` is one person's word (one would be all it takes to hide a
    # cleared account again); a second reporter reopens it. ``b`` followed a strong member since.
    ordinary = [x for x in done.loaded.graph.ids if truth.roles.get(x, "ordinary") == "ordinary"]
    target = sorted(strong - {a, b, c})[0]
    now = utcnow().isoformat()

    def report(k: int) -> dict[str, object]:
        row = {"report_id": f"since-{k}", "reporter_id": ordinary[k], "target_type": "account",
               "target_id": a, "reason": "child safety", "created_at": now}  # fmt: skip
        return event(f"r{k}", "reports", **row)

    send(store, truth.platform, [report(1)])
    assert a not in _members(detector.detect())
    why = explain(detector.compute(truth.platform), a)
    assert why.status.endswith(
        "nothing that reopens it since (1 report: reports from 2 credible reporters reopen a clearance)"
    )
    follow = {"follower_id": b, "followee_id": target, "created_at": now}
    send(store, truth.platform, [report(2), event("f1", "follows", **follow)])
    third = detector.detect()
    assert {a, b} <= _members(third), explain(detector.compute(truth.platform), a).status
    said = {
        m.account_id: e.text
        for n in third.networks
        for m in n.members
        for e in m.evidence
        if e.signal == "cleared"
    }
    assert said[a] == f"cleared by review on {day} (case 9); since then: 2 reports"
    assert said[b].endswith("since then: chose to contact 1 account strong on evidence of its own")
    again = "2 account(s) cleared by review at or above the flag threshold again, on evidence dated since"
    assert any(n.startswith(again) for n in third.notes), third.notes


def test_a_rescan_finds_nothing_new_and_a_match_first_found_since_does(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    """A lexicon match the reviewer saw, found again by a rescan after the verdict, is not new; a match
    first written since (a new post, or a word the lexicon gained) is."""
    folder, truth = export
    Ingestor(store).ingest(folder)
    a = next(iter(truth.roles))
    seen = Signal(truth.platform, EntityType.ACCOUNT, a, "term_match", "terms", 0.9, {}, "bio:bluefinch")
    store.signals.add([replace(seen, created_at=utcnow() - timedelta(days=3))])
    store.signals.add([_verdict(truth.platform, a, False, 9, days_ago=2)])
    store.signals.replace("terms", "term_match", truth.platform, [seen], key="bio:bluefinch")

    def news() -> tuple[str, ...]:
        graph = load_platform(store, truth.platform).graph
        return graph.cleared.of[graph.index[a]].news

    assert news() == ()
    store.signals.add([replace(seen, key="post:77:bluefinch")])
    assert news() == ("a new term_match",)


def test_a_report_filed_before_the_verdict_but_delivered_after_it_was_not_judged_by_it(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    """What the reviewer could have seen is what Bastion had stored: two reports the platform delivered
    after the verdict, dated the day before it, reopen the clearance and are no rejection on their
    reporters' records (read by their dates, they were judged and rejected: 2/3 weight each, short)."""
    from bastion.graph.container import REPORT

    folder, truth = export
    Ingestor(store).ingest(folder)
    first = NetworkDetector(store).detect()
    a = sorted(_members(first))[0]
    store.signals.add([_verdict(truth.platform, a, False, 9, days_ago=2)])
    graph = load_platform(store, truth.platform).graph
    ordinary = [x for x in graph.ids if truth.roles.get(x, "ordinary") == "ordinary" and x != a]
    ordinary = [x for x in ordinary if not graph.layer(REPORT)[graph.index[x]].nnz][:2]
    filed = (utcnow() - timedelta(days=3)).isoformat()
    about = {"target_type": "account", "target_id": a, "reason": "child safety", "created_at": filed}
    rows = [{"report_id": f"late-{k}", "reporter_id": r, **about} for k, r in enumerate(ordinary)]
    send(store, truth.platform, [event(f"late{k}", "reports", **row) for k, row in enumerate(rows)])

    graph = load_platform(store, truth.platform).graph
    at = graph.index[a]
    weights = [graph.layer(REPORT)[graph.index[r], at] for r in ordinary]
    assert weights == [1.0, 1.0]
    assert graph.cleared.of[at].news == ("2 reports",)
    assert a in _members(NetworkDetector(store).detect())
