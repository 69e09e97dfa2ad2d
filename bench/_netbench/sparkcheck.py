"""Does the Spark engine agree with the local one on a planted world of moderate size? (issue 12)"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from bastion.graph import detect
from bastion.graph.pipeline import DetectConfig
from bastion.graph.plant import Planted


@dataclass(slots=True)
class Agreement:
    edges: int
    lockstep_equal: bool
    max_score_diff: float
    same_members: bool
    local_s: float
    spark_s: float
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.lockstep_equal and self.max_score_diff <= 1e-8 and self.same_members


def spark_agreement(p: Planted, seeds: list[str]) -> Agreement | None:
    """Both engines on the same world; None without pyspark (or Java)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return None
    t0 = time.perf_counter()
    local = detect(p.graph, seeds)
    t1 = time.perf_counter()
    spark = detect(p.graph, seeds, DetectConfig(engine="spark"))
    t2 = time.perf_counter()

    def members(d: object) -> set[tuple[str, str]]:
        return {(m.account_id, m.role) for n in d.networks for m in n.members}  # type: ignore[attr-defined]

    return Agreement(
        p.graph.num_edges(),
        bool(np.array_equal(spark.results["lockstep"].scores, local.results["lockstep"].scores)),
        float(np.abs(spark.score - local.score).max()),
        members(spark) == members(local),
        t1 - t0,
        t2 - t1,
    )
