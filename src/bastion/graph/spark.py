"""The Spark engine: propagation and lockstep over Spark, the rest of the same pipeline on the driver.

Propagation keeps the edge list distributed and the score vector on the driver (broadcast each iteration,
the MLlib pattern): one Spark job per power-iteration step, each partition summing its edges with numpy.
Lockstep is pure DataFrame work (group follows by target and time window, self-join, count shared pairs).
Dense blocks, buyer contact and Leiden clustering only look at the small suspicious subgraph, which is
collected to the driver, so they reuse the local detectors. Needs ``pyspark`` (``bastion[spark]``) and
Java 17; the master defaults to ``local[2]`` and can be set with ``$BASTION_SPARK_MASTER``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bastion.graph.container import AccountGraph, FloatArray, IntArray, symmetric_adjacency
from bastion.graph.detector import Detector, DetectorResult, Evidence, register, scale_unit
from bastion.graph.lockstep import DAY, Lockstep
from bastion.graph.pipeline import DetectConfig, Detection, detect
from bastion.graph.propagation import WALK_WEIGHTS, SeededPropagation
from bastion.graph.signals import SELLER_WEIGHTS

_CHUNK = 200_000


def spark_session() -> SparkSession:
    master = os.environ.get("BASTION_SPARK_MASTER", "local[2]")
    builder: Any = SparkSession.builder
    session: SparkSession = (
        builder.master(master)
        .appName("bastion-graph")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", os.environ.get("BASTION_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )
    return session


def spark_pagerank(
    spark: SparkSession,
    adj: Any,
    restart: FloatArray,
    *,
    alpha: float = 0.85,
    iters: int = 40,
    tol: float = 1e-10,
) -> FloatArray:
    """Same iteration as :func:`personalized_pagerank`, with the edge list in Spark partitions."""
    n = len(restart)
    coo = adj.tocoo()
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
    chunks = [
        (
            coo.row[k : k + _CHUNK],
            coo.col[k : k + _CHUNK],
            coo.data[k : k + _CHUNK] * inv[coo.row[k : k + _CHUNK]],
        )
        for k in range(0, max(coo.nnz, 1), _CHUNK)
    ]
    edges = spark.sparkContext.parallelize(chunks, len(chunks)).cache()
    r = restart / restart.sum()
    x = r.copy()
    for _ in range(iters):
        bx = spark.sparkContext.broadcast(x)

        def step(part: Iterable[tuple[IntArray, IntArray, FloatArray]], bx: Any = bx) -> Iterator[FloatArray]:
            acc = np.zeros(n)
            for rows, cols, w in part:
                acc += np.bincount(cols, weights=w * bx.value[rows], minlength=n)
            yield acc

        walked = edges.mapPartitions(step).treeReduce(np.add)
        bx.unpersist()
        dangling = float(x[deg == 0].sum())
        nxt = (1.0 - alpha) * r + alpha * (walked + dangling * r)
        done = float(np.abs(nxt - x).sum()) < tol
        x = nxt
        if done:
            break
    edges.unpersist()
    return np.asarray(x, dtype=np.float64)


@register
class SparkPropagation(Detector[AccountGraph]):
    name: ClassVar[str] = "propagation"
    engine: ClassVar[str] = "spark"
    reads: ClassVar[frozenset[str]] = frozenset(SELLER_WEIGHTS)

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        local = SeededPropagation()
        n = graph.n
        adj = symmetric_adjacency(graph, WALK_WEIGHTS)
        adj.data = np.maximum(adj.data, 0.0)
        restart = local.restart(signals, seeds, n)
        if restart.sum() == 0:
            return DetectorResult(self.name, np.zeros(n))
        x = spark_pagerank(spark_session(), adj, restart, alpha=local.alpha)
        deg = np.asarray(adj.sum(axis=1)).ravel()
        scores = scale_unit(x / np.maximum(deg, 1.0) ** local.degree_power, exclude=seeds)
        return local.explain(graph, adj, seeds, scores)


def lockstep_pairs_df(follows: DataFrame, window: int, lo: int, hi: int, min_shared: int) -> DataFrame:
    """(a, b, shared): pairs that followed at least ``min_shared`` same targets in the same window."""
    best: DataFrame | None = None
    for offset in (0, window // 2):
        f = follows.withColumn("bucket", F.floor((F.col("t") + offset) / window))
        sizes = f.groupBy("dst", "bucket").count().where((F.col("count") >= lo) & (F.col("count") <= hi))
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
    name: ClassVar[str] = "lockstep"
    engine: ClassVar[str] = "spark"

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        local = Lockstep()
        n = graph.n
        ft = graph.follow_times
        if ft is None or len(ft.src) == 0:
            return DetectorResult(self.name, np.zeros(n))
        spark = spark_session()
        rows = list(zip(ft.src.tolist(), ft.dst.tolist(), ft.t.tolist(), strict=True))
        follows = spark.createDataFrame(rows, "src long, dst long, t long").distinct().cache()
        pairs = lockstep_pairs_df(follows, local.window, local.min_group, local.max_group, local.min_shared)
        if local.min_ratio > 0:  # shared-in-time pairs against all targets the two have in common
            fa, fb = follows.select("src", "dst").alias("fa"), follows.select("src", "dst").alias("fb")
            common = (
                pairs.alias("p")
                .join(fa, F.col("fa.src") == F.col("p.a"))
                .join(fb, (F.col("fb.src") == F.col("p.b")) & (F.col("fb.dst") == F.col("fa.dst")))
                .groupBy("p.a", "p.b")
                .agg(F.countDistinct("fa.dst").alias("common"))
            )
            pairs = pairs.join(common, ["a", "b"], "left").where(
                F.col("shared")
                >= local.min_ratio * F.greatest(F.coalesce(F.col("common"), F.lit(1)), F.lit(1))
            )
        got = pairs.select("a", "b", "shared").collect()
        follows.unpersist()
        a = np.array([r["a"] for r in got], dtype=np.int64)
        b = np.array([r["b"] for r in got], dtype=np.int64)
        shared = np.array([r["shared"] for r in got], dtype=np.float64)
        partners = np.bincount(a, minlength=n).astype(np.int64)
        scores = 1.0 - np.power(0.5, partners / local.half)
        res = DetectorResult(self.name, scores)
        order = np.lexsort((-shared, a))
        a, b, shared = a[order], b[order], shared[order]
        starts = np.searchsorted(a, np.arange(n))
        for i in np.flatnonzero(partners).tolist():
            sl = slice(starts[i], starts[i] + partners[i])
            res.add(
                i,
                Evidence(
                    "graph",
                    f"followed the same accounts within {local.window / DAY:g} days as "
                    f"{int(partners[i])} other "
                    f"account(s) (up to {int(shared[sl].max())} shared targets with one of them)",
                    {
                        "detector": self.name,
                        "partners": int(partners[i]),
                        "examples": [graph.ids[j] for j in b[sl][:5]],
                    },
                ),
            )
        return res


def detect_spark(
    graph: AccountGraph, seeds: Iterable[str] = (), config: DetectConfig | None = None
) -> Detection:
    """The pipeline with ``engine="spark"``: Spark detectors where registered, local ones otherwise."""
    cfg = config or DetectConfig()
    from dataclasses import replace

    return detect(graph, seeds, replace(cfg, engine="spark"))


__all__ = ["SparkLockstep", "SparkPropagation", "detect_spark", "spark_pagerank", "spark_session"]
