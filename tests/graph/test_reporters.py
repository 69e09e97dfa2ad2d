"""Reporters' track records: reviewers' verdicts and leads' bad-faith marks weigh each reporter's reports."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from bastion.core.model import EntityType, Signal
from bastion.graph.builder import GraphBuilder
from bastion.graph.container import REPORT
from bastion.graph.facts import fact_words
from bastion.graph.load import load_platform
from bastion.graph.reporters import TRACK_PRIOR, TrackRecord, track_records
from bastion.graph.reports import report_evidence
from bastion.ingest import Ingestor
from bastion.review.case_signals import record_bad_faith
from bastion.store import Store
from bastion.store.tables import reports
from bastion.synth import GroundTruth
from support.exports import truth_export
from support.platforms import with_quiet_follows


def test_rejections_weigh_a_reporter_down_confirmations_back_and_a_mark_to_nothing() -> None:
    reported = {10: {1: 1.0, 2: 1.0}, 11: {1: 1.0}, 12: {1: 1.0, 3: 1.0}, 13: {2: 1.0}}
    records = track_records(reported, {10: False, 11: False, 12: False, 13: True}, bad_faith={4})
    assert records[1] == TrackRecord(confirmed=0, rejected=3)
    assert records[1].weight == pytest.approx(TRACK_PRIOR / (3 + TRACK_PRIOR))
    assert records[2].weight == 1.0  # one rejected, one borne out
    assert records[3].weight == pytest.approx(TRACK_PRIOR / (1 + TRACK_PRIOR))
    assert records[4].weight == 0.0 and 5 not in records  # marked; never judged nor marked


def test_reports_borne_out_are_no_mass_reporting() -> None:
    """A trusted flagger's thirty reports weigh as a witness's once reviewers found them violating; before,
    thirty reports made it a mass reporter whatever came of them."""
    b = GraphBuilder("t")
    for k in range(30):
        b.add_report("flagger", f"seller{k}")
    with_quiet_follows(b, reports=30)
    g = b.build()
    before = report_evidence(g)
    g.attrs.reports_confirmed[g.index["flagger"]] = 30
    after = report_evidence(g)
    assert before is not None and after is not None
    assert before.credibility[g.index["flagger"]] == pytest.approx(np.sqrt(3 / 30))
    assert after.credibility[g.index["flagger"]] == 1.0
    assert after.strength[g.index["seller0"]] > before.strength[g.index["seller0"]]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return truth_export(tmp_path_factory, accounts=800, seed=5)


def test_the_loader_discounts_marked_and_rejected_reporters(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    """A lead's bad-faith mark (written as review writes it) takes the reporter's reports out of detection;
    a reporter whose reported accounts reviewers cleared weighs less on all its reports, and the dossier's
    facts say so."""
    folder, truth = export
    Ingestor(store).ingest(folder)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(reports.c.reporter_id, reports.c.target_id).where(reports.c.target_type == "account")
        ).all()
    by_reporter: dict[str, list[str]] = defaultdict(list)
    for reporter, target in rows:
        by_reporter[reporter].append(target)
    marked, rejected = sorted(by_reporter)[:2]
    before = load_platform(store, truth.platform)
    g = before.graph
    with store.engine.begin() as conn:
        record_bad_faith(conn, truth.platform, marked, "reports strangers it never met", "lead1")
    cleared = by_reporter[rejected][0]
    confirmer = sorted(by_reporter)[2]
    upheld = by_reporter[confirmer][0]
    store.signals.add(
        [
            Signal(truth.platform, EntityType.ACCOUNT, cleared, "verdict", "review", 0.0, {}, key="c9"),
            Signal(truth.platform, EntityType.ACCOUNT, upheld, "verdict", "review", 1.0, {}, key="c10"),
        ]
    )
    after = load_platform(store, truth.platform)
    old, new = before.graph.layer(REPORT), after.graph.layer(REPORT)
    m, r = g.index[marked], g.index[rejected]
    assert old[m].nnz > 0 and new[m].nnz == 0
    assert np.allclose(new[r].data, old[r].data * TRACK_PRIOR / (1 + TRACK_PRIOR))
    t = g.index[cleared]
    assert after.graph.signal("report")[t] <= before.graph.signal("report")[t]
    words = fact_words("report", after.facts[(t, "report")])
    assert "1 with reports reviewers mostly rejected" in words
    c = g.index[confirmer]
    assert before.graph.attrs.reports_confirmed[c] == 0 and after.graph.attrs.reports_confirmed[c] >= 1
    victim = g.index[by_reporter[marked][0]]
    assert "marked as reporting in bad faith" in fact_words("report", after.facts[(victim, "report")])
