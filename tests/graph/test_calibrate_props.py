"""The calibration's guards, on views hypothesis draws: what the module docstring promises, for any platform.

Each example is a platform of a few to a few thousand accounts, one to four views of evidence with
absences, stray signals, a block of members and views that do not apply to some accounts (NaN), a start
prior anywhere from a clean platform's to a third of it, and, for the association view, a null or none.
Whatever the draw: the prior stays in its bounds, the evidence is finite, a view that does not apply adds
nothing, every curve keeps each view's order and no bin is worth more than the largest value stated in it
(the two bounded exceptions aside), and the same input gives the same calibration. Derandomised for CI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bastion.graph.calibrate import EDGES, calibrate
from bastion.graph.cells import CELL_MAX
from bastion.graph.model import CELL, LOCKSTEP, PRIOR_BOUNDS, SEED
from bastion.graph.views import ASSOCIATED, OWN
from support.fuzzing import fuzz

NAMES = (OWN, ASSOCIATED, CELL, SEED, LOCKSTEP)


@dataclass(frozen=True)
class Draw:
    n: int
    names: tuple[str, ...]
    members: float
    stray: float
    missing: float
    prior: float
    null: bool
    seed: int


draws = st.builds(
    Draw,
    n=st.sampled_from([3, 40, 500, 3000]),
    names=st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True).map(tuple),
    members=st.sampled_from([0.0, 0.01, 0.05, 0.3]),
    stray=st.sampled_from([0.0, 0.1, 0.5]),
    missing=st.sampled_from([0.0, 0.2, 1.0]),
    prior=st.sampled_from([0.0005, 0.02, 0.1, 0.3]),
    null=st.booleans(),
    seed=st.integers(0, 2**16),
)


def _views(d: Draw) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(d.seed)
    member = rng.random(d.n) < d.members
    out = {}
    for name in d.names:
        x = np.where(rng.random(d.n) < 0.5, rng.uniform(-1.5, 0.0, d.n), 0.0)  # absences, or nothing
        x = np.where(rng.random(d.n) < d.stray, rng.uniform(0.0, 2.0, d.n), x)  # stray signals
        x = np.where(member & (rng.random(d.n) < 0.8), rng.uniform(1.0, 9.0, d.n), x)  # members, mostly
        if name == CELL:  # the cell view does not apply to some accounts
            x = np.where(rng.random(d.n) < d.missing, np.nan, x)
        out[name] = np.round(x, 2)  # shared values, as a platform's patterns are
    return out


def _null(d: Draw) -> dict[str, Callable[[], np.ndarray]] | None:
    if not d.null:
        return None
    rng = np.random.default_rng(d.seed + 1)
    chance = rng.uniform(0.0, 30.0, len(EDGES) + 1)
    chance[: int(np.searchsorted(EDGES, 0.0, side="right")) + 1] = np.inf
    return {ASSOCIATED: lambda: chance}


@fuzz(150)
@given(draws)
def test_the_calibration_keeps_its_guards_on_any_platform(d: Draw) -> None:
    views = _views(d)
    cal = calibrate(views, d.prior, d.prior, chance=_null(d))
    lo, hi = PRIOR_BOUNDS
    assert lo <= cal.prior <= hi
    assert cal.evidence.shape == (d.n,) and np.isfinite(cal.evidence).all()
    assert np.isfinite(cal.shift).all()
    if not cal.curves:  # the stated model stands: each account's stated evidence, a missing view as none
        stated = sum(np.nan_to_num(v, nan=0.0) for v in views.values())
        np.testing.assert_allclose(cal.evidence, stated, atol=1e-9)
    summed = np.zeros(d.n)
    for name, curve in cal.curves.items():
        x = views[name]
        assert np.all(np.diff(curve.worth) >= -1e-12), name  # a bin is never worth less for more evidence
        order = np.argsort(np.nan_to_num(x, nan=-np.inf), kind="stable")
        read = curve(x)
        applies = ~np.isnan(x)
        assert (read[~applies] == 0.0).all(), name  # a view that does not apply adds nothing
        assert np.all(np.diff(read[order][applies[order]]) >= -1e-9), name  # each view's order is kept
        # each bin's worth (at its centre; accounts between centres are read between the two bins'
        # worths) is never above the largest value stated in it, the two bounded exceptions aside
        bins = np.searchsorted(EDGES, x[applies], side="right")
        used = np.unique(bins)
        assert len(used) == len(curve.worth), name
        for b, worth in zip(used.tolist(), curve.worth.tolist(), strict=True):
            ceiling = float(x[applies][bins == b].max())
            top = {OWN: max(ceiling, 0.0), CELL: max(ceiling, CELL_MAX) if ceiling > 0 else ceiling}
            assert worth <= top.get(name, ceiling) + 1e-9, (name, b)
        summed += read
    if cal.curves:
        np.testing.assert_allclose(cal.evidence, summed, atol=1e-9)
    again = calibrate(views, d.prior, d.prior, chance=_null(d))
    assert np.array_equal(again.evidence, cal.evidence) and again.prior == cal.prior
