"""The evidence read in views close to independent given membership, for the platform calibration.

``calibrate`` estimates what each view is worth on the platform as a latent-class model whose views must
be close to independent given membership; how the evidence is cut into views is that model's assumption,
kept here: the account's own signals together (each side not counted down for lacking the other's), its
seed assertion, its lockstep, its dense block, its cell, and its association with strong accounts (where a
searcher's lack of any counts against its search, and a cell member's lack of any is read by its cell).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bastion.core.signals import lookup
from bastion.graph.association import MAX_LLR
from bastion.graph.container import BoolArray, FloatArray
from bastion.graph.model import CELL, DENSE, LOCKSTEP, REACH, SEED, TIE, FeatureSet, Weights

OWN, ASSOCIATED = "own", "association"
#: The most that the absence of a view's evidence may say against (log-odds): about one weak signal's
#: worth, so a member that lacks one view (a seller nobody follows back) is not buried by it.
FLOOR = -1.0
#: Association (weighted log-odds, ``tie`` and ``reach`` together: a buyer that sellers follow back has part
#: of its reach counted as tie, ``association.counted_once``) from which an account that shows no seller's
#: signal shows the buyer side by what it did: as much as one association feature may say
#: (``association.MAX_LLR``), strong sellers far beyond chance. Below it, a chance contact or two (an
#: ordinary user the recommender pulled toward a seller) must not read as a side.
REACHES_SIDE = MAX_LLR - 1e-9
#: Cell evidence (weighted log-odds, as read for the member) from which an account that has no association
#: is not also counted down for lacking it: as much as that absence may say against (``FLOOR``).
INSIDE_CELL = -FLOOR


def views(features: Mapping[str, FloatArray], weights: Weights, names: FeatureSet) -> dict[str, FloatArray]:
    """The weighted evidence read in views close to independent given membership."""
    n = len(next(iter(features.values())))
    sides = _Sides.of(features, weights, names, n)
    associated = sum((weights[k] * features[k] for k in (TIE, REACH) if k in features), start=np.zeros(n))
    reaches = associated >= REACHES_SIDE
    out = {OWN: sides.own(reaches)}
    for k in (SEED, LOCKSTEP, DENSE, CELL):
        if k in features and weights[k] != 0.0 and np.any(features[k] != 0.0):
            out[k] = weights[k] * features[k]
    if CELL in out:
        # cells are sellers' circles: a buyer outside every cell lacks nothing there (the view does not apply)
        out[CELL] = np.where(sides.buyer_side(reaches) & (out[CELL] == 0.0), np.nan, out[CELL])
    # a buyer's signal and its reach are one behaviour (a customer searches on the way to sellers), not two
    # independent views: a searcher who reaches no strong account is what a curious user is, and that
    # absence of reach takes back what the search said for, and lacks what any account without association
    # lacks (the FLOOR of any absence; taking the search back alone left a weak searcher counted down less
    # for reaching no one than an account that never searched). A profile trait is not a seller's act: a new
    # account that searched once and reaches no one is a curious new user (on CA-GrQc one was flagged at
    # 0.50, its search read in full beside its newness)
    lone = (sides.buyer > 0.0) & (sides.acts <= 0.0) & (associated <= 0.0)
    out[ASSOCIATED] = np.where(lone, FLOOR - sides.buyer, associated)
    if CELL in out:
        # and a seller's cell is where its ties are: a silent seller whose cell-mates are weak one by one has
        # no strong contact (association reads contacts one by one), and its cell already reads them
        # together, so lacking association says nothing more of it (the view does not apply), as a buyer
        # outside every cell lacks no cell. Only where the cell says at least what that absence would say
        # against (most of its contacts inside the group, and not reported by it: a user the recommender
        # pulled toward a cell, or one that follows a cell to report it, keeps the absence), and only where
        # association is nil (reports made count against it: that is evidence, not an absence)
        inside = np.nan_to_num(out[CELL]) >= INSIDE_CELL
        out[ASSOCIATED] = np.where(inside & (associated == 0.0) & ~lone, np.nan, out[ASSOCIATED])
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


@dataclass(frozen=True, slots=True)
class _Sides:
    """An account's own signals by side: all summed, the strongest of each side, and each side's absences;
    ``acts``: the strongest seller's signal that is not a profile trait (what it did or said, not its age
    or posting format)."""

    every: FloatArray
    buyer: FloatArray
    seller: FloatArray
    lacks_buyer: FloatArray
    lacks_seller: FloatArray
    acts: FloatArray

    @classmethod
    def of(cls, features: Mapping[str, FloatArray], weights: Weights, names: FeatureSet, n: int) -> _Sides:
        every, buyer, seller, lacks_buyer, lacks_seller, acts = (np.zeros(n) for _ in range(6))
        for k in (*names.seller, *names.buyer):
            if k in features and k not in (SEED, LOCKSTEP):
                x = weights[k] * features[k]
                every = every + x
                if k in names.buyer:
                    buyer, lacks_buyer = np.maximum(buyer, x), lacks_buyer + np.minimum(x, 0.0)
                else:
                    seller, lacks_seller = np.maximum(seller, x), lacks_seller + np.minimum(x, 0.0)
                    acts = acts if lookup(k).profile else np.maximum(acts, x)
        return cls(every, buyer, seller, lacks_buyer, lacks_seller, acts)

    def buyer_side(self, reaches: BoolArray) -> BoolArray:
        """Accounts that show the buyer side and no seller's signal at all: a buyer's signal, or association
        of ``REACHES_SIDE`` (stricter than :meth:`own`, which also reads a searcher that shows a seller's
        signal for the buyer side: a view is left out only for accounts that are buyers and nothing else)."""
        return np.asarray(((self.buyer > 0.0) | reaches) & (self.seller <= 0.0), dtype=bool)

    def own(self, reaches: BoolArray) -> FloatArray:
        """The own view, read for the side the account shows: one that shows a buyer's signal (a blocked
        search) is not also counted down for lacking a seller's (most buyers show none), and one that shows
        a seller's is not counted down for lacking a buyer's (sellers do not search); only what it shows
        counts. An account that shows no signal but ``reaches`` (association of ``REACHES_SIDE``) shows the
        buyer side by what it did, as most buyers never search, so it too is counted down only for lacking a
        buyer's signal; any other account that shows nothing is counted down for all it lacks."""
        buyer_side = (self.buyer > 0.0) | (reaches & (self.seller <= 0.0))
        shown = np.where(buyer_side, self.every - self.lacks_seller, self.every - self.lacks_buyer)
        shows = buyer_side | (self.seller > 0.0)
        return np.asarray(np.where(shows, shown, self.every), dtype=np.float64)
