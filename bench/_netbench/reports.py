"""Reports-only worlds: a trust platform's bad actors, known only by their users' reports (issue 12, item 5).

On a real trust graph with real fraud labels, detection once ranked at chance (AUC 0.50) where the plain
share of negative reports each account received ranked at 0.99. Each real graph becomes such a platform
(``bastion.graph.plant_reports``): detection, seedless and with 5 known bad actors as seeds, must rank the
bad actors within ``AUC_SLACK`` of that plain share, and flag no more ordinary accounts than a clean graph
may.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from _netbench.edges import Graph
from _netbench.metrics import CLEAN_FLAGGED_MAX, mark
from bastion.graph import detect
from bastion.graph.plant_reports import ReportsConfig, ReportsWorld, auc, plain_share, plant_reports

#: Detection may rank the bad actors at most this much below the plain report share (AUC).
AUC_SLACK = 0.02
SEEDS = 5


def near_plain(auc: float, plain: float) -> bool:
    """The target: detection's AUC at most ``AUC_SLACK`` below the plain report share's (also read by
    bench/trust.py on real trust networks)."""
    return auc >= plain - AUC_SLACK


@dataclass(frozen=True, slots=True)
class ReportsRow:
    graph: str
    mode: str
    accounts: int
    bad: int
    auc: float
    plain: float
    flagged_bad: int
    flagged_ordinary: int
    networks: int

    @property
    def ranked(self) -> bool:
        return near_plain(self.auc, self.plain)

    @property
    def clean(self) -> bool:
        return self.flagged_ordinary <= CLEAN_FLAGGED_MAX * self.accounts


def measure(name: str, base: Graph) -> list[ReportsRow]:
    """The worlds planted into ``base`` (their seed from the graph's name), seedless and seeded: routine
    disputes, and disputes on a tenth of every account's ties (most ordinary accounts reported, many
    past the report strength's knees)."""
    seed = zlib.crc32(name.encode()) % 1000
    rows = []
    for label, cfg in (
        ("disputes 1.5%", ReportsConfig(seed=seed)),
        ("disputes 10%", ReportsConfig(seed=seed, dispute=0.1, victim_report=0.5)),
    ):
        rows += _measure(name, label, plant_reports(*base, cfg, platform=name))
    return rows


def _measure(name: str, label: str, world: ReportsWorld) -> list[ReportsRow]:
    g, bad = world.graph, world.bad
    plain = auc(plain_share(g), bad)
    known = [g.ids[i] for i in np.flatnonzero(bad)[:SEEDS]]
    rows = []
    for mode, seeds in ((f"{label}, no seeds", []), (f"{label}, {SEEDS} seeds", known)):
        det = detect(g, seeds)
        flagged = det.score >= 0.5
        rows.append(
            ReportsRow(
                name,
                mode,
                g.n,
                int(bad.sum()),
                auc(det.score, bad),
                plain,
                int((flagged & bad).sum()),
                int((flagged & ~bad).sum()),
                len(det.networks),
            )
        )
    return rows


def print_reports(rows: list[ReportsRow]) -> None:
    print(
        "\nreports-only worlds (a trust platform: no lexicon, individual bad actors reported by those who "
        "dealt with them, routine disputes, grudge reporters)\n"
        f"| graph | disputes, seeds | accounts | bad actors | AUC detection (>= plain - {AUC_SLACK}) | "
        f"AUC plain report share | flagged: bad actors / ordinary (<= {CLEAN_FLAGGED_MAX:.1%}) | networks |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r.graph} | {r.mode} | {r.accounts:,} | {r.bad} | {r.auc:.3f} {mark(r.ranked)} | "
            f"{r.plain:.3f} | {r.flagged_bad} / {r.flagged_ordinary} {mark(r.clean)} | {r.networks} |"
        )
