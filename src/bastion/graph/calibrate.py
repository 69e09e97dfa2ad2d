"""Platform calibration: what each view of the evidence is really worth on this platform, estimated by EM.

The evidence model adds log-likelihood ratios as if every feature were independent of the others given
membership (naive Bayes), with member rates that are stated assumptions. Both fail in a known way: a
member's own signals come together (a seller shows a link hub *and* stories *and* a code word), so one
stray signal on an ordinary account is worth much less than its ratio says, and the platform's own mix of
ordinary accounts decides how much. The fix is a latent-class model estimated on the platform itself, never
on labels: the evidence is read in a few *views* that are close to independent given membership (the
account's own signals together, each side not counted down for lacking the other's; its seed
assertion; its lockstep; its association with strong accounts, where a searcher's lack of any counts
against its search), each view's value is binned, and expectation-maximisation estimates, for every bin,
the share of members and of ordinary accounts that fall there, and the share of members on the platform.
A bin's worth is then log(member share / ordinary share): the joint pattern of own signals is read as
a whole (one stray signal, common among ordinary accounts and rare among members, drops toward nothing),
and the absence of any association counts against where members usually have some. Nothing is fitted
to labels: the only inputs are the platform's accounts and the model's stated evidence.

Guards, so that the estimate can only make the model more honest, never invent a network:
- each member-class bin starts from the model's own assumption (a Dirichlet prior of ``PSEUDO_MEMBERS``
  accounts spread as the stated ratios imply), so sparse bins keep the assumption; so does each
  ordinary-class bin (``PSEUDO_ORDINARY``, spread by the same ratios from the member side). An even
  spread there had pulled sparse top bins toward ordinary, and where nothing else tells a bin's accounts
  apart (buyers seen by their association alone) EM has no fixed point of its own: any worth fits, so the
  pull decided it;
- a bin's worth never decreases with more evidence (pool-adjacent-violators), and values between bin
  centres are interpolated, so the ranking inside a bin is kept;
- no bin's worth rises above the largest stated value in it (the caps are deliberate: a near-unique
  signal is still one fact, a seed is an assertion, association alone never makes a member): the
  platform can say that evidence is worth less here, or that its absence counts against (``FLOOR`` at
  most, which also bounds the stated sum of many small absences); two ways up, each bounded: in the own
  view, whose bins below zero are signals an account lacks, the platform may say lacking them counts
  less against (where most members show none, as buyers who never search), never that it counts for; and
  membership of a cell may be worth up to what one cell may say of a member (``cells.CELL_MAX``), as the
  stated value is the group's evidence discounted by how few of a member's contacts are inside (a silent
  seller's cell is all there is to see of it, and on a dense platform the discount is deep);
- below ``MIN_MEMBERS`` expected members there is nothing to estimate from (a clean or a tiny
  platform): the stated model stands; from there up to ``FULL_MEMBERS`` the estimate is weighed in
  gradually (a platform near the line does not flip between two models when a few accounts change);
- a latent class is told apart by views that agree on it: with fewer than ``MIN_VIEWS`` views that vary
  across accounts (a platform that sends reports and nothing else), any share of members fits one view's
  spread equally well and EM drifts toward a large one, so the stated model stands;
- where a view has a null model of its own (the association view: how many accounts chance alone puts at
  each level, each at its own contacts, ``chance.py``), the accounts a bin holds beyond it, and beyond the
  count's own noise, are members at least in every E-step: buyers who never search, seen only by the
  sellers they chose, look like ordinary accounts in every other view, and EM alone read them so (0.1 to
  0.3 on the email bench, every one a buyer); the caps above still bound what the bin is worth;
- a view that does not apply to an account (NaN: the cell view for an account that shows the buyer side
  and is in no cell, as buyers are not sellers' circles; the association view for a member well inside a
  cell that has none, as its cell reads its ties) adds nothing to its evidence and is estimated from the
  accounts it applies to;
- deterministic: fixed bins, fixed iterations, no sampling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from bastion.graph.cells import CELL_MAX
from bastion.graph.container import BoolArray, FloatArray
from bastion.graph.model import (
    CELL,
    PRIOR_BOUNDS,
    logit,
    sigmoid,
)
from bastion.graph.views import FLOOR, OWN

#: Bin edges on a view's evidence (log-odds); the first and last bins are open.
EDGES = np.array([-1.5, -0.75, -0.25, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 4.5, 6.0, 8.0])
#: Weight of the stated model in each member-class bin (in accounts; as ``baserate.PRIOR_COUNT``).
PSEUDO_MEMBERS = 20.0
#: Weight of the stated model in the ordinary class (in accounts, per bin used).
PSEUDO_ORDINARY = 0.5
ITERATIONS = 60
TOLERANCE = 1e-6
#: A latent class needs members to be estimated from: below this many expected members (the stated
#: model's own estimate; two bins' worth of the stated model's weight) the stated model stands as it is
#: (a clean platform, a tiny one: there EM has too little to go on and drifts toward an empty class).
MIN_MEMBERS = 2 * PSEUDO_MEMBERS
#: Views that must vary across accounts for EM to tell members apart (one alone fits any share).
MIN_VIEWS = 2
#: From this many expected members on the estimate counts in full; between the two, in proportion.
FULL_MEMBERS = 5 * PSEUDO_MEMBERS


@dataclass(frozen=True, slots=True)
class Curve:
    """One view's estimated worth: bin centres (stated log-odds) -> estimated log-odds."""

    view: str
    centres: FloatArray
    worth: FloatArray
    members: FloatArray
    accounts: FloatArray
    #: accounts chance alone puts in each bin (``chance.chance_per_bin``; inf: not counted), where read
    chance: FloatArray | None = None

    def __call__(self, x: FloatArray) -> FloatArray:
        """Linear between bin centres; beyond the outer centres the outer shift (keeps every account's
        order, so the strongest are still ranked among themselves)."""
        if len(self.centres) == 0:
            return np.asarray(np.nan_to_num(x, nan=0.0), dtype=np.float64)
        c, w = self.centres, self.worth
        inside = np.interp(x, c, w)
        out = np.where(x < c[0], x + (w[0] - c[0]), np.where(x > c[-1], x + (w[-1] - c[-1]), inside))
        return np.asarray(np.where(np.isnan(x), 0.0, out), dtype=np.float64)  # NaN: the view does not apply

    def to_json(self) -> dict[str, list[float | None]]:
        out: dict[str, list[float | None]] = {
            "stated": [round(float(v), 3) for v in self.centres],
            "estimated": [round(float(v), 3) for v in self.worth],
            "members": [round(float(v), 2) for v in self.members],
            "accounts": [round(float(v), 0) for v in self.accounts],
        }
        if self.chance is not None:
            out["chance"] = [round(float(v), 2) if np.isfinite(v) else None for v in self.chance]
        return out


@dataclass(frozen=True, slots=True)
class Calibration:
    """The platform's estimated prior, each view's curve, and each account's calibrated log-odds."""

    prior: float
    curves: dict[str, Curve]
    #: per account: calibrated evidence minus the stated evidence (shown in the dossier)
    shift: FloatArray
    evidence: FloatArray
    #: how far the estimate counts (0..1, ``FULL_MEMBERS``); the rest is the stated model
    weight: float = 1.0
    #: why the stated model stands, when it does
    reason: str = "too few expected members to calibrate on this platform"

    def words(self) -> str:
        if not self.curves:
            return f"stated model ({self.reason})"
        part = f", weighed at {self.weight:.0%}: few expected members" if self.weight < 1.0 else ""
        against = sorted(v for v, c in self.curves.items() if c.chance is not None)
        null = f"; {', '.join(against)} read against chance on this platform" if against else ""
        return (
            f"platform calibration (EM over {len(self.curves)} views: "
            + ", ".join(sorted(self.curves))
            + f"{null}; prior 1 in {1 / self.prior:.0f}{part})"
        )


def _pav(y: FloatArray, w: FloatArray) -> FloatArray:
    """Weighted isotonic (non-decreasing) fit by pool-adjacent-violators."""
    vals: list[float] = []
    wts: list[float] = []
    lens: list[int] = []
    for yi, wi in zip(y.tolist(), w.tolist(), strict=True):
        vals.append(yi)
        wts.append(max(wi, 1e-9))
        lens.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            tw = wts[-2] + wts[-1]
            v = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / tw
            ln = lens[-2] + lens[-1]
            vals[-2:], wts[-2:], lens[-2:] = [v], [tw], [ln]
    return np.repeat(np.array(vals), lens)


@dataclass(frozen=True, slots=True)
class _Binned:
    view: str
    x: FloatArray
    bins: np.ndarray
    used: np.ndarray
    centres: FloatArray
    accounts: FloatArray
    ceiling: FloatArray
    applies: BoolArray
    chance: FloatArray | None = None


def _bin(view: str, x: FloatArray, weight: FloatArray, chance: FloatArray | None = None) -> _Binned:
    """Accounts the view does not apply to (NaN) fall in no bin: they say nothing about its worth.
    ``chance``: the accounts chance alone puts in each bin, where the view has a null to read against."""
    applies = ~np.isnan(x)
    value = np.where(applies, x, 0.0)
    bins = np.searchsorted(EDGES, value, side="right")
    k = len(EDGES) + 1
    weight = weight * applies
    accounts = np.asarray(np.bincount(bins, weights=weight, minlength=k), dtype=np.float64)
    sums = np.bincount(bins, weights=value * weight, minlength=k)
    used = np.flatnonzero(accounts > 0)
    centres = sums[used] / accounts[used]
    top = np.full(k, -np.inf)
    np.maximum.at(top, bins[applies], value[applies])
    null = None if chance is None else np.asarray(chance, dtype=np.float64)[used]
    return _Binned(view, x, bins, used, centres, accounts[used], top[used], applies, null)


def _top(b: _Binned) -> FloatArray:
    """The most each bin may be worth: its largest stated value; lacking own signals, nothing; a cell
    membership, what one cell may say of a member."""
    if b.view == OWN:
        return np.asarray(np.maximum(b.ceiling, 0.0), dtype=np.float64)
    if b.view == CELL:
        return np.asarray(
            np.where(b.ceiling > 0.0, np.maximum(b.ceiling, CELL_MAX), b.ceiling), dtype=np.float64
        )
    return b.ceiling


def _by_ratio(share: FloatArray, llr: FloatArray) -> FloatArray:
    """``share`` spread over the bins as the stated log-ratios ``llr`` imply (a Dirichlet prior's mean)."""
    spread = share * np.exp(np.clip(llr, -30.0, 30.0))
    return np.asarray(spread / spread.sum(), dtype=np.float64)


def _worth(b: _Binned, members: FloatArray) -> tuple[FloatArray, FloatArray]:
    """M-step for one view: each used bin's log(member share / ordinary share), monotone and bounded
    (``members``: each pattern's expected member count)."""
    k = len(EDGES) + 1
    m1 = np.bincount(b.bins, weights=members * b.applies, minlength=k)[b.used]
    m0 = b.accounts - m1
    even = (m0 + PSEUDO_ORDINARY) / (m0.sum() + PSEUDO_ORDINARY * len(b.used))  # to spread the member prior
    p1 = (m1 + PSEUDO_MEMBERS * _by_ratio(even, b.centres)) / (m1.sum() + PSEUDO_MEMBERS)
    # the ordinary class is smoothed toward the same stated ratios, from the member side
    pseudo = PSEUDO_ORDINARY * len(b.used)
    p0 = (m0 + pseudo * _by_ratio(p1, -b.centres)) / (m0.sum() + pseudo)
    llr = np.log(p1 / p0)
    # a bin stated below FLOOR (a searcher's missing reach, see ``views``) keeps its own stated value; the
    # two bounded ways up are in the module's docstring
    top = _top(b)
    worth = np.clip(_pav(llr, b.accounts), np.minimum(FLOOR, b.ceiling), top)
    worth = np.maximum.accumulate(worth)  # the ceiling may cut a step: stay non-decreasing
    return worth, m1


def _beyond_chance(binned: list[_Binned]) -> FloatArray:
    """Per pattern, the least share of members among the accounts of its bin, in each view read against a
    null: those the bin holds beyond what chance puts there (one minus the local false discovery rate),
    and beyond the count's own noise (a standard deviation of a Poisson count of the bin's size): a small
    bin that holds a few more accounts than chance says nothing (on the demo platform, without it, a bin
    of 26 against 15 from chance moved EM far enough that an ordinary account reaching three sellers was
    flagged at 0.51 under one of five group-search seeds)."""
    least = np.zeros(len(binned[0].x))
    for b in binned:
        if b.chance is None:
            continue
        share = np.zeros(len(EDGES) + 1)
        share[b.used] = np.clip(1.0 - (b.chance + np.sqrt(b.accounts)) / b.accounts, 0.0, 1.0)
        least = np.maximum(least, np.where(b.applies, share[b.bins], 0.0))
    return least


def _varies(x: FloatArray) -> bool:
    """Whether a view's values differ across the accounts it applies to; one that applies to none does not
    (``views`` never gives one, a caller's own views may)."""
    x = x[~np.isnan(x)]
    return bool(len(x) and x.max() > x.min())


def _evidence(curves: Mapping[str, Curve], binned: list[_Binned]) -> FloatArray:
    """Each pattern's evidence: every view's value read through its curve, summed."""
    return np.asarray(sum((curves[b.view](b.x) for b in binned), start=np.zeros(len(binned[0].x))))


def _patterns(columns: list[FloatArray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each account's pattern (equal values in every column), one account of each, and pattern sizes:
    each column becomes integer codes and the codes one mixed-radix key (a row-wise sort of floats is
    several times slower); a key that would not fit 62 bits is compressed column by column."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    radix = 1
    for col in columns:
        values = np.unique(col)  # cheap; asking np.unique for the inverse sorts all of col (3x slower)
        inv = np.searchsorted(values, col)
        width = len(values)
        if radix * width >= 2**62:
            _, code = np.unique(code, return_inverse=True)
            radix = int(code.max()) + 1
        code = code.ravel() * width + inv.ravel()
        radix *= width
    _, first_of, inverse, counts = np.unique(code, return_index=True, return_inverse=True, return_counts=True)
    return inverse.ravel(), first_of, counts


def calibrate(
    view_values: Mapping[str, FloatArray],
    start_prior: float,
    stated_prior: float | None = None,
    chance: Mapping[str, Callable[[], FloatArray]] | None = None,
) -> Calibration:
    """EM for the platform's member share and each view's worth per bin (deterministic).

    ``start_prior``: the share the stated model's evidence implies (``model.estimate_prior``), itself read
    from one view; where fewer than ``MIN_VIEWS`` vary it cannot be told either, and ``stated_prior`` (the
    run's configured start) stands instead. ``chance``: per view that has a null model, what gives the
    accounts chance alone puts in each bin (``chance.chance_per_bin``), called only where EM runs (a clean
    or tiny platform keeps the stated model and draws nothing): a bin's accounts beyond it are members at
    least, whatever the other views say of them.

    Accounts with the same values in every view are one pattern counted with its multiplicity (most of a
    platform shares a few patterns), and EM stops once the prior and every bin's worth are still.
    """
    names = sorted(view_values)
    first = np.asarray(view_values[names[0]], dtype=np.float64)
    n = len(first)
    stated_all = sum((np.nan_to_num(view_values[v], nan=0.0) for v in names), start=np.zeros(n))
    if start_prior * n < MIN_MEMBERS:
        return Calibration(start_prior, {}, np.zeros(n), stated_all)
    varied = sum(1 for v in names if _varies(np.asarray(view_values[v], dtype=np.float64)))
    if varied < MIN_VIEWS:
        reason = f"{varied} view of the evidence varies here; telling members apart needs {MIN_VIEWS}"
        prior = start_prior if stated_prior is None else stated_prior
        return Calibration(prior, {}, np.zeros(n), stated_all, reason=reason)
    inverse, first_of, counts = _patterns([np.asarray(view_values[v], dtype=np.float64) for v in names])
    rows = np.column_stack([np.asarray(view_values[v], dtype=np.float64)[first_of] for v in names])
    weight = counts.astype(np.float64)
    nulls = {v: null() for v, null in (chance or {}).items()}
    binned = [_bin(v, rows[:, k], weight, nulls.get(v)) for k, v in enumerate(names)]
    stated = np.nansum(rows, axis=1)
    pi = start_prior
    evidence = stated
    curves: dict[str, Curve] = {}
    least = _beyond_chance(binned)
    for _ in range(ITERATIONS):
        post = np.maximum(sigmoid(logit(pi) + evidence), least)
        nxt = float(np.clip(np.dot(post, weight) / n, *PRIOR_BOUNDS))
        new = {}
        for b in binned:
            worth, m1 = _worth(b, post * weight)
            new[b.view] = Curve(b.view, b.centres, worth, m1, b.accounts, b.chance)
        still = (  # a view that applies to no account has no bin, and nothing to settle
            bool(curves)
            and abs(nxt - pi) < TOLERANCE
            and all(
                float(np.max(np.abs(new[v].worth - curves[v].worth), initial=0.0)) < TOLERANCE for v in curves
            )
        )
        pi, curves = nxt, new
        evidence = _evidence(curves, binned)
        if still:
            break
    share = float(np.clip((start_prior * n - MIN_MEMBERS) / (FULL_MEMBERS - MIN_MEMBERS), 0.0, 1.0))
    if share < 1.0:  # between the stated model and the estimate: each curve moved part of the way
        curves = {v: replace(c, worth=c.centres + share * (c.worth - c.centres)) for v, c in curves.items()}
        evidence = _evidence(curves, binned)
        pi = float(sigmoid(np.asarray((1.0 - share) * logit(start_prior) + share * logit(pi))))
    pi = float(np.clip(np.dot(sigmoid(logit(pi) + evidence), weight) / n, *PRIOR_BOUNDS))
    full = evidence[inverse]
    return Calibration(pi, curves, np.asarray(full - stated_all, dtype=np.float64), full, share)
