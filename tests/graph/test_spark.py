"""The Spark engine agrees with the local one on the same input (local[2]; skipped only without pyspark)."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.graph import detect
from bastion.graph.plant import PlantConfig, Planted, plant

pytest.importorskip("pyspark", reason="pyspark not installed: pip install 'bastion[spark]'")

#: Lockstep's pair search is exact integer counting in both engines and the rest is the same code: the
#: scores agree to float rounding and the networks (membership and roles) are identical.
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def small(make_block_model) -> Planted:  # type: ignore[no-untyped-def]
    """A small world with lockstep planted (cells that follow their anchors within two days)."""
    src, dst, _ = make_block_model(300, 4, 0.12, 0.006, seed=11)
    return plant(
        src, dst, 300, PlantConfig.legacy(sellers=30, buyers=8, cells=3, decoys=15, camouflage="popular")
    )


def test_spark_engine_agrees_with_local(small: Planted) -> None:
    planted = small
    from bastion.graph.pipeline import DetectConfig

    local = detect(planted.graph, planted.seeds)
    spark = detect(planted.graph, planted.seeds, DetectConfig(engine="spark"))
    assert np.array_equal(spark.results["lockstep"].scores, local.results["lockstep"].scores)
    assert np.abs(spark.score - local.score).max() <= 10 * TOLERANCE
    members = lambda d: {(m.account_id, m.role) for n in d.networks for m in n.members}  # noqa: E731
    assert members(spark) == members(local)


def test_spark_lockstep_agrees_on_a_synchronised_group() -> None:
    """20 accounts following the same 4 targets within a day, among random follows over 700 days."""
    from bastion.graph import AccountGraph, create
    from bastion.graph.spark import SparkLockstep

    rng = np.random.default_rng(2)
    n, day = 400, 86_400
    s = np.concatenate([rng.integers(0, 380, 4000), np.repeat(np.arange(380, 400), 4)])
    d = np.concatenate([rng.integers(0, 400, 4000), np.tile(np.arange(1, 5), 20)])
    t = np.concatenate([rng.integers(0, 700 * day, 4000), 100 * day + rng.integers(0, day, 80)])
    g = AccountGraph.from_arrays("t", [f"u{i}" for i in range(n)], (s, d), follow_times=t)
    none = np.array([], dtype=np.int64)
    local = create("lockstep").run(g, none, {})
    spark = SparkLockstep().run(g, none, {})
    assert (local.scores[380:] > 0.9).all()
    assert np.array_equal(spark.scores, local.scores)
    assert spark.evidence == local.evidence
