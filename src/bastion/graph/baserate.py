"""Own-signal evidence against this platform's base rates (the null model for an account's own signals).

A signal says as much as it is rarer among ordinary accounts than among network members. Members are a
small minority, so the share of all accounts that carry a signal estimates its rate among ordinary accounts;
the rate among members is a stated assumption (the kind's ``member_rate``, declared by the capability that
produces it; a kind nobody declared assumes ``core.signals.DEFAULT_MEMBER_RATE`` and says at most
``UNKNOWN_MAX_LLR``), the one number a verdict fit refines. The
evidence is the log-likelihood ratio log(member rate / platform rate), scaled by the signal's strength: a
code word that a hobby community uses innocently is common on that platform and says less there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bastion.core.signals import lookup
from bastion.graph.container import FloatArray
from bastion.graph.signals import evidence_kinds

#: A signal counts as present from this strength on (weaker values are noise the loaders keep).
PRESENT = 0.15

# The assumed share of network members that carry each kind (seller-side and buyer-side members alike,
# what researchers report of such networks; lower than it looks on purpose: a signal that most members
# lack must not become a requirement) and the most one signal may say (log-odds: a near-unique signal is
# still one fact about one account) are the kind's ``member_rate`` and ``max_llr`` hints.
#: Below this many carriers the platform rate is shrunk toward this prior rate (Laplace-style).
PRIOR_RATE = 0.01
PRIOR_COUNT = 20.0


@dataclass(frozen=True, slots=True)
class BaseRate:
    """How common one signal is on this platform and what that makes it worth."""

    kind: str
    carriers: int
    rate: float
    llr: float
    #: what its absence says (never positive: most members lack most signals, so it is small)
    absent_llr: float

    def words(self) -> str:
        return f"{100 * self.rate:.2g}% of accounts here carry it, {self.llr:+.1f} log-odds at full strength"


def base_rates(signals: Mapping[str, FloatArray], n: int) -> dict[str, BaseRate]:
    """Per-kind carrier share and log-likelihood ratio for every own-signal kind (``evidence_kinds``)."""
    out = {}
    for kind in evidence_kinds(signals):
        hints = lookup(kind)
        member = hints.member_rate
        s = signals.get(kind)
        carriers = int((s >= PRESENT).sum()) if s is not None else 0
        rate = (carriers + PRIOR_RATE * PRIOR_COUNT) / (n + PRIOR_COUNT)
        llr = float(np.clip(np.log(member / rate), 0.0, hints.max_llr))
        # a kind no account carries is not produced here (no lexicon, no hash list): its absence is mute
        absent = float(min(0.0, np.log((1.0 - member) / (1.0 - min(rate, 0.5))))) if carriers else 0.0
        out[kind] = BaseRate(kind, carriers, rate, llr, absent)
    return out


def own_evidence(
    signals: Mapping[str, FloatArray], rates: Mapping[str, BaseRate], n: int
) -> dict[str, FloatArray]:
    """Per-kind evidence (log-odds) per account: from the absence LLR at strength 0 to the presence LLR at
    full strength (weak values count as absent)."""
    out = {}
    for kind, r in rates.items():
        s = signals.get(kind)
        if s is None:
            out[kind] = np.full(n, r.absent_llr)
            continue
        strength = np.where(s >= PRESENT, np.clip(s, 0.0, 1.0), 0.0)
        out[kind] = r.absent_llr + strength * (r.llr - r.absent_llr)
    return out
