"""The association view's null: how many accounts chance alone puts at each level, account by account."""

from __future__ import annotations

import numpy as np

from bastion.graph.association import Association, contact_llr
from bastion.graph.calibrate import EDGES
from bastion.graph.chance import chance_per_bin


def _feature(n: int, seed: int) -> Association:
    """Accounts whose chance of a strong contact runs from a tiny fraction of one to several (popular)."""
    rng = np.random.default_rng(seed)
    total = rng.integers(1, 200, n).astype(np.float64)
    expected = total * rng.uniform(0.0005, 0.03, n)
    return Association(count=np.zeros(n), total=total, expected=expected, llr=np.zeros(n))


def test_chance_per_bin_counts_what_poisson_draws_of_each_accounts_contacts_give() -> None:
    """The count is exact for the Poisson null: draws of every account's strong contacts at its own chance,
    read through the feature's own ratio and binned, average to it (tie and reach summed as the view sums
    them, reach read with the accounts for which one contact counts)."""
    n, draws = 3_000, 400
    tie, reach = _feature(n, 1), _feature(n, 2)
    alone = np.random.default_rng(3).random(n) < 0.1
    got = chance_per_bin([(tie, 1.0, None), (reach, 0.8, alone)], EDGES)
    rng = np.random.default_rng(4)
    drawn = np.zeros(len(EDGES) + 1)
    for _ in range(draws):
        for f, w, a in ((tie, 1.0, None), (reach, 0.8, alone)):
            value = w * contact_llr(rng.poisson(f.expected).astype(np.float64), f.total, f.expected, a)
            drawn += np.bincount(
                np.searchsorted(EDGES, value[value > 0], side="right"), minlength=len(EDGES) + 1
            )
    drawn /= draws
    positive = np.isfinite(got)
    assert positive.sum() == len(EDGES) - 3  # the bins above the one that holds zero
    assert got[positive].sum() > 20  # chance puts accounts there: the comparison says something
    np.testing.assert_allclose(got[positive], drawn[positive], rtol=0.1, atol=0.5)


def test_bins_at_or_below_zero_are_not_counted_and_a_feature_weighed_at_zero_adds_nothing() -> None:
    f = _feature(500, 5)
    got = chance_per_bin([(f, 0.0, None)], EDGES)
    zero_bin = int(np.searchsorted(EDGES, 0.0, side="right"))
    assert np.isinf(got[: zero_bin + 1]).all()
    assert (got[zero_bin + 1 :] == 0.0).all()
    none = Association(count=np.zeros(3), total=np.ones(3), expected=np.zeros(3), llr=np.zeros(3))
    assert (chance_per_bin([(none, 1.0, None)], EDGES)[zero_bin + 1 :] == 0.0).all()
