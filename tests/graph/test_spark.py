"""The Spark engine agrees with the local one on the same input (local[2]; skipped only without pyspark)."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.graph import detect
from bastion.graph.plant import PlantConfig, Planted, plant

pytest.importorskip("pyspark", reason="pyspark not installed: pip install 'bastion[spark]'")

#: Propagation runs the same power iteration (float sums in another order): scores agree to 1e-6.
#: Lockstep is exact integer counting: identical. Networks: identical membership and roles.
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def small(make_block_model) -> Planted:  # type: ignore[no-untyped-def]
    """A small world keeps each of the 40 Spark power-iteration jobs cheap (one partition)."""
    src, dst, _ = make_block_model(300, 4, 0.12, 0.006, seed=11)
    return plant(
        src, dst, 300, PlantConfig.legacy(sellers=30, buyers=8, cells=3, decoys=15, camouflage="popular")
    )


def test_spark_engine_agrees_with_local(small: Planted) -> None:
    planted = small
    from bastion.graph.pipeline import DetectConfig

    local = detect(planted.graph, planted.seeds)
    spark = detect(planted.graph, planted.seeds, DetectConfig(engine="spark"))
    assert spark.results["propagation"].scores == pytest.approx(
        local.results["propagation"].scores, abs=TOLERANCE
    )
    assert np.array_equal(spark.results["lockstep"].scores, local.results["lockstep"].scores)
    assert np.abs(spark.score - local.score).max() <= 10 * TOLERANCE
    members = lambda d: {(m.account_id, m.role) for n in d.networks for m in n.members}  # noqa: E731
    assert members(spark) == members(local)
    assert (local.results["lockstep"].scores > 0).any()
