"""A new signal = define the kind and produce it: detection and triage use a kind declared only here.

The kind is declared in this test (as a capability would in its ``kinds.py``), its signals are written
through the signal repository, and no consumer is told about it: detection weighs it with the defaults
(a weak own-signal), triage adds the default weight, and explicit hints or weights change that.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bastion.core.model import EntityType, Signal
from bastion.core.signals import (
    DEFAULT_MEMBER_RATE,
    DEFAULT_TRIAGE_WEIGHT,
    UNKNOWN_MAX_LLR,
    SignalKind,
    register,
    unregister,
)
from bastion.graph.load import load_platform
from bastion.graph.model import UNKNOWN_WEIGHT, Weights
from bastion.graph.pipeline import Detection, detect
from bastion.ingest import Ingestor
from bastion.review.intake import ReportIn, store_reports
from bastion.review.policy import CaseFacts, rank
from bastion.store import Store
from bastion.store.tables_review import review_cases
from bastion.synth import GroundTruth, SynthConfig, generate, write_export
from review.support import PLATFORM, T0, make_review, report, seed_platform

#: An invented detector's kind: "profile says bluefinch in a way the lexicon does not cover".
NAME = "bluefinch_hint"


@pytest.fixture()
def hint() -> Iterator[SignalKind]:
    (kind,) = register(SignalKind(NAME, means="an invented detector's hint", strength="0..1"))
    yield kind
    unregister(kind)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    folder = tmp_path_factory.mktemp("synth") / "export"
    platform = generate(SynthConfig(accounts=600, seed=11))
    write_export(platform, folder, fmt="csv")
    return folder, platform.truth


def _produce(store: Store, platform: str, kind: SignalKind | str, accounts: list[str]) -> int:
    return store.signals.add(
        Signal(platform, EntityType.ACCOUNT, a, kind, "bluefinch-detector", 0.9, {"why": "test"})
        for a in accounts
    )


def _detect(store: Store, platform: str, weights: Weights | None = None) -> tuple[Detection, list[str]]:
    graph = load_platform(store, platform).graph
    return detect(graph, (), None, weights), graph.ids


def test_detection_weighs_a_new_kind_with_the_defaults_and_explicit_hints(
    store: Store, export: tuple[Path, GroundTruth], hint: SignalKind
) -> None:
    folder, truth = export
    Ingestor(store).ingest(folder)
    sellers = truth.members("seller")[:6]
    before, ids = _detect(store, truth.platform)
    assert NAME not in before.features

    assert _produce(store, truth.platform, hint, sellers) == len(sellers)
    after, _ = _detect(store, truth.platform)
    rate = after.rates[NAME]
    assert rate.carriers == len(sellers)
    assert 0.0 < rate.llr <= UNKNOWN_MAX_LLR  # a weak own-signal: capped low
    assert rate.llr == pytest.approx(
        min(UNKNOWN_MAX_LLR, np.log(DEFAULT_MEMBER_RATE / ((len(sellers) + 0.2) / (len(ids) + 20))))
    )
    assert NAME in after.names.seller and after.weights[NAME] == UNKNOWN_WEIGHT
    carriers = [ids.index(a) for a in sellers]
    assert all(after.score[i] > before.score[i] for i in carriers)
    others = sorted(set(range(len(ids))) - set(carriers))
    assert np.abs(after.features[NAME][others]).max() < 0.1  # absence says next to nothing

    # an explicit weight of 0 (as a verdict fit could give) silences it exactly
    muted, _ = _detect(store, truth.platform, Weights({NAME: 0.0}))
    assert np.allclose(muted.score, before.score, rtol=0, atol=1e-12)

    # explicit hints from its producer: a rarer-among-ordinary, common-among-members kind says more
    unregister(hint)
    register(SignalKind(NAME, member_rate=0.6, max_llr=5.0))
    strong, _ = _detect(store, truth.platform)
    assert strong.rates[NAME].llr > rate.llr
    # each carrier's evidence rises; its probability also moves with the prior the run estimates (here, with
    # no lexicon and a kind members are said to carry six times in ten, its absence counts against every
    # other account and the estimated prior falls to its floor)
    assert strong.calibration is not None and after.calibration is not None
    assert all(strong.calibration.evidence[i] > after.calibration.evidence[i] for i in carriers)


def test_a_kind_nobody_declares_still_reads_and_a_non_evidence_kind_is_ignored(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    folder, truth = export
    Ingestor(store).ingest(folder)
    sellers = truth.members("seller")[:4]
    before, ids = _detect(store, truth.platform)
    _produce(store, truth.platform, "from_an_uninstalled_plugin", sellers)  # a stored name, undeclared
    stored = store.signals.for_entity(truth.platform, EntityType.ACCOUNT, sellers[0])
    assert [s.kind.means for s in stored if s.kind == "from_an_uninstalled_plugin"] == [SignalKind("x").means]
    after, _ = _detect(store, truth.platform)
    assert 0.0 < after.rates["from_an_uninstalled_plugin"].llr <= UNKNOWN_MAX_LLR
    assert all(after.score[ids.index(a)] > before.score[ids.index(a)] for a in sellers)

    quiet = register(SignalKind("bluefinch_audit_note", evidence=False))
    try:
        _produce(store, truth.platform, quiet[0], sellers)
        again, _ = _detect(store, truth.platform)
        assert "bluefinch_audit_note" not in again.features
        assert np.array_equal(again.score, after.score)
    finally:
        unregister(*quiet)


def test_triage_ranks_a_new_kind_with_the_default_weight_and_an_explicit_one(
    store: Store, hint: SignalKind
) -> None:
    plain = rank(CaseFacts("harassment", frozenset(), False, 1, T0, T0))
    with_hint = rank(CaseFacts("harassment", frozenset({NAME}), False, 1, T0, T0))
    assert with_hint.score == pytest.approx(plain.score + DEFAULT_TRIAGE_WEIGHT)

    review = make_review(store)
    seed_platform(store)
    _produce(store, PLATFORM, hint, ["acct-c"])
    items = [report("r1", "acct-c", reason="harassment"), report("r2", "acct-x", reason="harassment")]
    store_reports(review.intake_engine, [ReportIn.model_validate(i | {"platform": PLATFORM}) for i in items])
    review.triage()
    with review.engine.connect() as conn:
        cases = {c.group_id: c._mapping for c in conn.execute(select(review_cases))}
    assert cases["acct-c"]["flags"] == {NAME: True}
    assert cases["acct-x"]["flags"] == {}

    unregister(hint)
    register(SignalKind(NAME, triage_weight=0.3, raises_severity=True))
    explicit = rank(CaseFacts("harassment", frozenset({NAME}), False, 1, T0, T0))
    assert explicit.score == pytest.approx(plain.score + 0.3)
    assert explicit.severity == plain.severity + 1
