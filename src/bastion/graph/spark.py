"""The Spark engine: lockstep's pair search over Spark, the rest of the same pipeline on the driver.

Lockstep's candidate search is the one step whose work grows faster than the edges (a self-join of
follows per target and time window): it is pure DataFrame work here. Its chance test, the association
features (one sparse product each), dense blocks among suspects and Leiden clustering of the flagged
accounts run on the driver with the local code, so both engines give the same networks. Needs
``pyspark`` (``bastion[spark]``) and Java 17; the master defaults to ``local[2]`` and can be set with
``$BASTION_SPARK_MASTER``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bastion.graph.container import AccountGraph, FloatArray, IntArray
from bastion.graph.detector import Detector, DetectorResult, register
from bastion.graph.lockstep import BURST_P, Lockstep, Timeline
from bastion.graph.model import Weights
from bastion.graph.pipeline import DetectConfig, Detection, detect
from bastion.graph.settings import GraphSettings


def spark_session() -> SparkSession:
    settings = GraphSettings()
    builder: Any = SparkSession.builder
    session: SparkSession = (
        builder.master(settings.spark_master)
        .appName("bastion-graph")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", settings.spark_driver_memory)
        .getOrCreate()
    )
    return session


def lockstep_pairs_df(
    follows: DataFrame, need: DataFrame, window: int, hi: int, min_shared: int
) -> DataFrame:
    """(a, b, shared): pairs that followed at least ``min_shared`` same targets in the same burst (a
    (target, window) bucket of at least the target's ``need`` and at most ``hi`` followers)."""
    best: DataFrame | None = None
    for offset in (0, window // 2):
        f = follows.withColumn("bucket", F.floor((F.col("t") + offset) / window))
        sizes = (
            f.groupBy("dst", "bucket")
            .count()
            .join(need, "dst")
            .where((F.col("count") >= F.col("need")) & (F.col("count") <= hi))
        )
        g = f.join(sizes.select("dst", "bucket"), ["dst", "bucket"]).select("src", "dst", "bucket").distinct()
        pairs = (
            g.alias("x")
            .join(g.alias("y"), (F.col("x.dst") == F.col("y.dst")) & (F.col("x.bucket") == F.col("y.bucket")))
            .where(F.col("x.src") != F.col("y.src"))
            .groupBy(F.col("x.src").alias("a"), F.col("y.src").alias("b"))
            .agg(F.count("*").alias("shared"))
        )
        best = pairs if best is None else best.unionByName(pairs)
    assert best is not None
    return best.groupBy("a", "b").agg(F.max("shared").alias("shared")).where(F.col("shared") >= min_shared)


@register
class SparkLockstep(Detector[AccountGraph]):
    """Candidate pairs in Spark (the self-join that grows fastest with the edges); the chance test on the
    driver, on the few candidates, with the local detector's own code, so both engines agree exactly."""

    name: ClassVar[str] = "lockstep"
    engine: ClassVar[str] = "spark"

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        local = Lockstep()
        n = graph.n
        ft = graph.follow_times
        if ft is None or len(ft.src) == 0:
            return local.run(graph, seeds, signals)
        spark = spark_session()
        rows = list(zip(ft.src.tolist(), ft.dst.tolist(), ft.t.tolist(), strict=True))
        follows = spark.createDataFrame(rows, "src long, dst long, t long").distinct().cache()
        tl = Timeline.of(ft.src, ft.dst, ft.t, n)
        sizes = tl.burst_need(local.window, BURST_P, local.min_group, local.max_group)
        targets = np.flatnonzero(sizes <= local.max_group)
        need = spark.createDataFrame(
            list(zip(targets.tolist(), sizes[targets].tolist(), strict=True)), "dst long, need long"
        )
        got = (
            lockstep_pairs_df(follows, need, local.window, local.max_group, local.min_shared)
            .select("a", "b", "shared")
            .collect()
        )
        follows.unpersist()
        a = np.array([r["a"] for r in got], dtype=np.int64)
        b = np.array([r["b"] for r in got], dtype=np.int64)
        shared = np.array([r["shared"] for r in got], dtype=np.float64)
        return local.significant(graph, sp.csr_matrix((shared, (a, b)), shape=(n, n)), tl)


def detect_spark(
    graph: AccountGraph,
    seeds: Iterable[str] = (),
    config: DetectConfig | None = None,
    weights: Weights | None = None,
) -> Detection:
    """The pipeline with ``engine="spark"``: Spark detectors where registered, local ones otherwise."""
    cfg = config or DetectConfig()
    return detect(graph, seeds, replace(cfg, engine="spark"), weights)


__all__ = ["SparkLockstep", "detect_spark", "spark_session"]
