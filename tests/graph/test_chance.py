"""The association view's null: how many accounts chance alone puts at each level, account by account."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import poisson

from bastion.graph.association import Association, contact_llr
from bastion.graph.calibrate import EDGES
from bastion.graph.chance import chance_per_bin

ZERO_BIN = int(np.searchsorted(EDGES, 0.0, side="right"))


def _feature(n: int, seed: int, adds: float) -> Association:
    """Accounts whose chance of strong contacts runs from a tiny fraction of one to several (popular), on
    a platform where each contact with a strong account adds ``adds`` to the count."""
    rng = np.random.default_rng(seed)
    total = rng.integers(1, 200, n).astype(np.float64)
    expected = total * rng.uniform(0.0005, 0.03, n)
    zeros = np.zeros(n)
    return Association(zeros, total, expected, zeros, weights=np.full(50, adds))


def _exact(f: Association, weight: float, adds: float, alone: np.ndarray | None) -> np.ndarray:
    """Accounts per bin under chance, summed exactly: each account's Poisson number of strong contacts,
    each adding ``adds``, read through the feature's ratio."""
    out = np.zeros(len(EDGES) + 1)
    mean = f.expected / adds
    for c in range(1, 60):
        value = weight * contact_llr(np.full(len(mean), c * adds), f.total, f.expected, alone)
        some = value > 0
        out += np.bincount(
            np.searchsorted(EDGES, value[some], side="right"),
            weights=poisson.pmf(c, mean[some]),
            minlength=len(EDGES) + 1,
        )
    return out


@pytest.mark.parametrize("adds", [1.0, 0.6])  # whole contacts, and light ones (a partial "several")
def test_the_drawn_null_is_the_poisson_law_of_each_accounts_contacts(adds: float) -> None:
    """Drawn account by account (seeded), the null counts what the Poisson law of every account's strong
    contacts, at its own expected count, gives each bin once read through the feature's own ratio: tie and
    reach summed as the view sums them, reach read with the accounts for which one contact counts. With
    light contacts chance also reaches the lowest levels (two contacts are a partial "several"), which
    counting whole contacts missed."""
    n = 4_000
    tie, reach = _feature(n, 1, adds), _feature(n, 2, adds)
    alone = np.random.default_rng(3).random(n) < 0.1
    got = chance_per_bin([(tie, 1.0, None), (reach, 0.8, alone)], EDGES, seed=7)
    want = _exact(tie, 1.0, adds, None) + _exact(reach, 0.8, adds, alone.astype(np.float64))
    positive = np.isfinite(got)
    assert positive.sum() == len(EDGES) - ZERO_BIN and want[positive].sum() > 30
    np.testing.assert_allclose(got[positive], want[positive], rtol=0.2, atol=1.5)
    if adds < 1.0:
        assert got[ZERO_BIN + 1] > 5  # chance puts accounts at the lowest level
    assert np.array_equal(got, chance_per_bin([(tie, 1.0, None), (reach, 0.8, alone)], EDGES, seed=7))


def test_bins_at_or_below_zero_are_not_counted_and_a_feature_weighed_at_zero_adds_nothing() -> None:
    f = _feature(500, 5, 1.0)
    got = chance_per_bin([(f, 0.0, None)], EDGES, seed=7)
    assert np.isinf(got[: ZERO_BIN + 1]).all() and (got[ZERO_BIN + 1 :] == 0.0).all()
    none = Association(np.zeros(3), np.ones(3), np.zeros(3), np.zeros(3), weights=np.ones(4))
    assert (chance_per_bin([(none, 1.0, None)], EDGES, seed=7)[ZERO_BIN + 1 :] == 0.0).all()


def test_a_platform_whose_chance_gives_almost_no_strong_contacts_has_draws_with_none() -> None:
    """Where the platform's chance contacts with strong accounts add up to a fraction of one (strong
    accounts few ordinary ones ever contact), most draws give no contact at all: each such draw puts no one
    in any bin, and the run goes on (a draw with none had stopped detection with an IndexError)."""
    n = 200
    expected = np.full(n, 0.05 / n)  # 0.05 chance contacts on the whole platform, each account above LEAST
    f = Association(np.zeros(n), np.full(n, 10.0), expected, np.zeros(n), weights=np.ones(4))
    got = chance_per_bin([(f, 1.0, None)], EDGES, seed=7)
    assert (got[ZERO_BIN + 1 :] == 0.0).all()
