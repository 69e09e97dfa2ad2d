"""A trust platform known only by its users' reports: detection ranks its bad actors as the reports do.

Issue 12: on a real trust graph with real fraud labels, detection once ranked at chance (AUC 0.50) while the
plain share of negative reports each account received ranked at 0.99: reports there are so common that
carrying one says nothing, and only how many one carries does.
"""

from __future__ import annotations

import numpy as np

from bastion.graph import detect
from bastion.graph.baserate import PRESENT
from bastion.graph.plant_reports import ReportsConfig, auc, plain_share, plant_reports
from bastion.graph.signals import REPORT


def test_bad_actors_known_by_reports_alone_rank_as_the_reports_do(make_block_model) -> None:  # type: ignore[no-untyped-def]
    src, dst, _ = make_block_model(1500, 10, 0.05, 0.003, seed=2)
    world = plant_reports(src, dst, 1500, ReportsConfig(seed=3, bad_share=0.03, dispute=0.05))
    g, bad = world.graph, world.bad
    plain = auc(plain_share(g), bad)
    for seeds in ([], [g.ids[i] for i in np.flatnonzero(bad)[:5]]):
        det = detect(g, seeds)
        assert det.rates[REPORT].present > PRESENT  # carrying a report at all says nothing here
        assert auc(det.score, bad) >= max(0.9, plain - 0.02)
        assert not (det.score[~bad] >= 0.5).any()  # nobody ordinary is accused on disputes
        assert det.prior < 0.05  # the share of members is not read off one common kind
    assert auc(det.score, bad) > 0.5 + 0.4
