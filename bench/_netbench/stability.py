"""How far the group searches' random order moves a run: the same world detected with other Leiden seeds.

A run is reproducible (its seed is recorded), but a platform the benchmark has never seen is, for the two
group searches (cells, networks), another draw of that order; the spread over a few seeds says how much of
a row is the draw."""

from __future__ import annotations

from dataclasses import dataclass

from _netbench.metrics import quality
from bastion.graph import detect
from bastion.graph.pipeline import DetectConfig
from bastion.graph.plant import Planted

#: Leiden seeds read besides the default run's (``DetectConfig.seed`` = 7).
OTHER_SEEDS = (8, 9, 10, 11)


@dataclass(frozen=True, slots=True)
class Stability:
    graph: str
    r_prec: list[float]
    flagged: list[int]
    false: list[int]
    networks: list[int]


def measure(name: str, p: Planted) -> Stability:
    """The seeded run of ``p`` with the default Leiden seed and each of ``OTHER_SEEDS``."""
    runs = [quality(p, detect(p.graph, p.seeds, DetectConfig(seed=s))) for s in (7, *OTHER_SEEDS)]
    return Stability(
        name,
        [q.r_prec for q in runs],
        [q.flagged for q in runs],
        [sum(q.false_kinds.values()) for q in runs],
        [len(q.sizes) for q in runs],
    )


def print_stability(rows: list[Stability]) -> None:
    if not rows:
        return
    seeds = ", ".join(str(s) for s in (7, *OTHER_SEEDS))
    print(f"\nthe seeded run with Leiden seeds {seeds} (the group searches' random order; 7: the default)")
    print("| graph | R-prec min - max | flagged min - max | flagged non-members, most | networks min - max |")
    print("|---|---|---|---|---|")
    for r in rows:
        prec = f"{min(r.r_prec):.3f} - {max(r.r_prec):.3f}"
        print(
            f"| {r.graph} | {prec} | {min(r.flagged)} - {max(r.flagged)} | {max(r.false)} | "
            f"{min(r.networks)} - {max(r.networks)} |"
        )
