"""What chance alone puts at each level of the association view: the platform's null model for calibration.

The association features are Poisson ratios of an account's strong contacts against chance on this platform
(``association.contact_llr``: its own contacts times the share of ordinary contact weight that lands on
strong accounts). Under chance an account's contacts land on strong accounts as that share says, so how
many accounts chance alone puts in each bin of the view can be drawn, account by account, at each account's
own degree: the null model issue 12 asks calibration to read against. ``calibrate`` reads the accounts a
bin holds beyond that, and beyond the count's own noise, as members at least (one minus the local false
discovery rate, as Efron reads a mixture against its null): EM alone cannot tell buyers who never search,
seen only by the sellers they chose, from ordinary accounts that lack signals, as nothing else tells them
apart; chance can, where a bin holds many more such accounts than it gives. Where chance gives as many as
a bin holds (the demo platform, whose recommender pulls users toward sellers), nothing changes.

Each draw gives every account a Poisson number of chance contacts with strong accounts, as many as its
expected count says, each adding what a contact with a strong account adds on this platform (drawn from
the platform's own: ``Association.weights``), and reads the sum through the feature's own ratio. Counting
whole contacts instead (a first version) gave chance nothing between none and two whole contacts, where a
contact weighed above one, or a few light ones, put 24 ordinary accounts of a 200,000-account platform:
the null said a bin of them was half members. Tie and reach are drawn apart (an account that chance gives
both is rare), each at the weight the view sums it with. The draws are seeded (``DetectConfig.seed``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bastion.graph.association import Association, contact_llr
from bastion.graph.container import BoolArray, FloatArray

#: Draws of the whole platform averaged (each account's chance of a level is small: the bins' counts are
#: sums over many accounts, so a few draws settle them to a fraction of an account).
DRAWS = 16
#: Accounts that expect fewer chance contacts with strong accounts than this are left out: two of them
#: (what a level needs, but for the few accounts for which one counts) is a chance of one in two hundred
#: million for each.
LEAST_EXPECTED = 1e-4


def chance_per_bin(
    features: Sequence[tuple[Association, float, BoolArray | None]], edges: FloatArray, seed: int
) -> FloatArray:
    """Expected accounts per bin (``edges`` as ``calibrate.EDGES``, the first and last open) of the view
    that sums ``weight * feature`` over ``features`` (each with the accounts for which one strong contact
    counts, as ``association.contact_llr`` reads them), under chance. Bins that hold no positive value are
    ``inf``: chance is what they hold, and calibration reads nothing from them."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(edges) + 1)
    for assoc, weight, corroborated in features:
        added = assoc.weights
        if weight <= 0.0 or added is None or len(added) == 0:
            continue
        each = float(added.mean())
        if each <= 0.0:
            continue  # no contact with a strong account adds anything: chance adds nothing either
        mean = assoc.expected / each  # chance contacts with strong accounts, per account
        live = np.flatnonzero(mean >= LEAST_EXPECTED)
        alone = None if corroborated is None else np.asarray(corroborated, dtype=bool)
        # every account's Poisson count at once: the platform's chance contacts, a Poisson number of them,
        # each falling to an account in proportion to what it expects (the same law, drawn in the time of
        # the contacts rather than of the accounts)
        cumulative = np.cumsum(mean[live])
        whole = float(cumulative[-1]) if len(live) else 0.0
        if whole <= 0.0:
            continue
        # the draws' random numbers in the order one draw after another takes them, then every draw's
        # contacts at once (one pass over the numbers rather than one per draw)
        falls, picks, sizes = [], [], []
        for _ in range(DRAWS):
            gaps = np.cumsum(rng.standard_exponential(rng.poisson(whole) + 1))
            m = len(gaps) - 1
            falls.append(gaps[:-1] * (whole / gaps[-1]))  # uniform points, drawn in order (exponential gaps)
            picks.append(rng.integers(0, len(added), m) if m else np.zeros(0, dtype=np.int64))
            sizes.append(m)
        at = np.minimum(np.searchsorted(cumulative, np.concatenate(falls), side="right"), len(live) - 1)
        if len(at) == 0:  # no chance contact in any draw: no one in any bin
            continue
        key = np.repeat(np.arange(DRAWS), sizes) * len(live) + at  # sorted: each draw's points are in order
        first = np.flatnonzero(np.diff(key, prepend=-1))  # each account's run of contacts in each draw
        who = live[at[first]]
        count = np.add.reduceat(added[np.concatenate(picks)], first)
        value = weight * contact_llr(
            count, assoc.total[who], assoc.expected[who], None if alone is None else alone[who]
        )
        bins = np.searchsorted(edges, value[value > 0.0], side="right")
        out += np.bincount(bins, minlength=len(edges) + 1) / DRAWS
    positive = np.arange(len(edges) + 1) > np.searchsorted(edges, 0.0, side="right")
    return np.asarray(np.where(positive, out, np.inf), dtype=np.float64)
