"""What chance alone puts at each level of the association view: the platform's null model for calibration.

The association features are Poisson ratios of an account's strong contacts against chance on this platform
(``association.contact_llr``: its own contacts times the share of ordinary contact weight that lands on strong
accounts). Under chance, an account's count of strong contacts is Poisson with that mean, so how many
accounts chance alone puts in each bin of the view can be counted, account by account, at each account's
own degree: the null model issue 12 asks calibration to read against. ``calibrate`` reads the accounts a
bin holds beyond that, and beyond the count's own noise, as members at least (one minus the local false
discovery rate, as Efron reads a mixture against its null): EM alone cannot tell buyers who never search,
seen only by the sellers they chose, from ordinary accounts that lack signals, as nothing else tells them
apart; chance can, where a bin holds many more such accounts than it gives. Where chance gives as many as
a bin holds (the demo platform, whose recommender pulls users toward sellers), nothing changes.

The count errs toward chance: each contact counts whole here, where the features weigh it by the
contact's strength and its chooser's breadth, so chance reaches a level more easily here than on the
platform. Tie and reach are counted apart (an account that chance gives both is rare), each at the weight
the view sums it with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bastion.graph.association import MAX_LLR, Association, member_ratio, ratio_at
from bastion.graph.container import BoolArray, FloatArray

#: Counts of strong contacts read one by one; the rest of the Poisson tail is read at the last (an account
#: whose ratio reaches ``association.MAX_LLR`` has its whole tail read there, as more contacts say no more).
MAX_COUNT = 16
#: An account leaves the count once the mass of its tail still unread is below this (most accounts expect
#: a small fraction of one strong contact: their tail is gone after a few counts).
TAIL = 1e-6


def chance_per_bin(
    features: Sequence[tuple[Association, float, BoolArray | None]], edges: FloatArray
) -> FloatArray:
    """Expected accounts per bin (``edges`` as ``calibrate.EDGES``, the first and last open) of the view
    that sums ``weight * feature`` over ``features`` (each with the accounts for which one strong contact
    counts, as ``association.contact_llr`` reads them), under chance. Bins that hold no positive value are
    ``inf``: chance is what they hold, and calibration reads nothing from them."""
    out = np.zeros(len(edges) + 1)
    for assoc, weight, corroborated in features:
        if weight <= 0.0:
            continue
        live = np.flatnonzero(assoc.expected > 0.0)
        mean = assoc.expected[live]
        per, offset = member_ratio(assoc.total[live], mean)
        alone = None if corroborated is None else np.asarray(corroborated, dtype=np.float64)[live]
        pmf = np.exp(-mean)  # P(count = 0)
        tail = 1.0 - pmf  # P(count > c), c the count read last
        for c in range(1, MAX_COUNT + 1):
            pmf = pmf * mean / c
            tail = tail - pmf
            value = weight * ratio_at(float(c), per, offset, alone)
            # at the cap, more contacts say no more: the rest of the tail lands in the same bin
            done = (value >= weight * MAX_LLR) | (c == MAX_COUNT)
            mass = pmf + np.where(done, np.maximum(tail, 0.0), 0.0)
            some = value > 0.0
            bins = np.searchsorted(edges, value[some], side="right")
            out += np.bincount(bins, weights=mass[some], minlength=len(edges) + 1)
            keep = ~done & (tail > TAIL)
            if not keep.all():
                mean, per, offset, pmf, tail = mean[keep], per[keep], offset[keep], pmf[keep], tail[keep]
                alone = None if alone is None else alone[keep]
            if len(mean) == 0:
                break
    positive = np.arange(len(edges) + 1) > np.searchsorted(edges, 0.0, side="right")
    return np.asarray(np.where(positive, out, np.inf), dtype=np.float64)
