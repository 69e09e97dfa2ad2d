"""Own-signal evidence against this platform's base rates (the null model for an account's own signals).

A signal says as much as it is rarer among ordinary accounts than among network members. Members are a
small minority, so the share of all accounts that carry a signal estimates its rate among ordinary accounts;
the rate among members is a stated assumption (the kind's ``member_rate``, declared by the capability that
produces it; a kind nobody declared assumes ``core.signals.DEFAULT_MEMBER_RATE`` and says at most
``UNKNOWN_MAX_LLR``), the one number a verdict fit refines. The
evidence is the log-likelihood ratio log(member rate / platform rate), scaled by the signal's strength: a
code word that a hobby community uses innocently is common on that platform and says less there.

Profile kinds (an account's age, its posting format) are read against how often this platform's accounts
carry them *together*: a cohort that joined at once and posts stories makes the pair common, and then the
pair says no more than its joint rate allows, not the sum of two independent facts (``profile_overlap``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from bastion.core.signals import lookup
from bastion.graph.container import FloatArray
from bastion.graph.signals import evidence_kinds

#: A signal counts as present from this strength on (weaker values are noise the loaders keep).
PRESENT = 0.15

# The assumed share of network members that carry each kind (seller-side and buyer-side members alike,
# what researchers report of such networks; lower than it looks on purpose: a signal that most members
# lack must not become a requirement) and the most one signal may say (log-odds: a near-unique signal is
# still one fact about one account) are the kind's ``member_rate`` and ``max_llr`` hints.
#: A graded kind (``SignalKind.graded``) whose presence says less than this (log-odds: one weak signal's
#: worth) counts from the strength at which it says this much (``_graded``).
GRADED_LLR = 1.0
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
    #: profile kinds: how many times more often than independent traits would this platform's accounts
    #: carry it together with the other profile kinds (1: no more; the excess is not counted twice)
    together: float = 1.0
    #: the strength from which an account carries it (``PRESENT``, or higher for a graded kind that many
    #: accounts here carry a little of: ``_graded``)
    present: float = PRESENT

    def words(self) -> str:
        text = f"{100 * self.rate:.2g}% of accounts here carry it, {self.llr:+.1f} log-odds at full strength"
        if self.present > PRESENT:
            text += f" (counted from strength {self.present:.2f}: many accounts here carry a little of it)"
        if self.together > 1.05:
            text += (
                f"; accounts here carry it with their other profile traits {self.together:.1f}x as often as "
                "chance would, so together they count only as much as that joint rate allows"
            )
        return text


def base_rates(signals: Mapping[str, FloatArray], n: int) -> dict[str, BaseRate]:
    """Per-kind carrier share and log-likelihood ratio for every own-signal kind (``evidence_kinds``)."""
    out = {}
    for kind in evidence_kinds(signals):
        hints = lookup(kind)
        s = signals.get(kind)
        out[kind] = _rate(kind, s, n, PRESENT)
        if hints.graded and s is not None and out[kind].carriers and out[kind].llr < GRADED_LLR:
            out[kind] = _rate(kind, s, n, _graded(s, n, hints.member_rate))
    profile = _profile_kinds(signals, out)
    if len(profile) >= 2:
        present, quiet = _profile_presence(signals, out, profile)
        together = float(np.exp(_excess(present[quiet])))
        out.update({k: replace(out[k], together=together) for k in profile})
    return out


def _rate(kind: str, s: FloatArray | None, n: int, present: float) -> BaseRate:
    hints = lookup(kind)
    member = hints.member_rate
    carriers = int((s >= present).sum()) if s is not None else 0
    rate = (carriers + PRIOR_RATE * PRIOR_COUNT) / (n + PRIOR_COUNT)
    llr = float(np.clip(np.log(member / rate), 0.0, hints.max_llr))
    # a kind no account carries is not produced here (no lexicon, no hash list): its absence is mute
    absent = float(min(0.0, np.log((1.0 - member) / (1.0 - min(rate, 0.5))))) if carriers else 0.0
    return BaseRate(kind, carriers, rate, llr, absent, present=present)


def _graded(s: FloatArray, n: int, member: float) -> float:
    """The strength from which a graded kind counts where carrying a little of it says too little: the
    lowest at which its carriers are rare enough here to say ``GRADED_LLR`` log-odds (none: above 1)."""
    allowed = member * np.exp(-GRADED_LLR) * (n + PRIOR_COUNT) - PRIOR_RATE * PRIOR_COUNT
    carried = np.sort(s[s >= PRESENT])
    values = np.unique(carried)
    ok = values[len(carried) - np.searchsorted(carried, values, side="left") <= allowed]
    return float(ok[0]) if len(ok) else float(np.nextafter(1.0, 2.0))


def _profile_presence(
    signals: Mapping[str, FloatArray], rates: Mapping[str, BaseRate], profile: list[str]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Who carries each profile kind, and who carries no other kind of own signal: the accounts whose
    profile traits are read for how often they come together, since members (who carry the traits
    together too, and other signals besides) are rarest there."""
    present = np.column_stack([signals[k] >= PRESENT for k in profile])
    others = [signals[k] >= PRESENT for k in rates if k not in profile and k in signals]
    quiet = ~np.logical_or.reduce(others) if others else np.ones(len(present), dtype=bool)
    return present, quiet


def _profile_kinds(signals: Mapping[str, FloatArray], rates: Mapping[str, BaseRate]) -> list[str]:
    return [k for k, r in rates.items() if lookup(k).profile and r.carriers and k in signals]


def _excess(present: npt.NDArray[np.bool_]) -> float:
    """log(joint rate / product of the rates) of carrying every column together among ``present``'s rows,
    the joint rate shrunk toward the product (a few co-carriers prove nothing); never below zero."""
    n = len(present)
    rates = (present.sum(axis=0) + PRIOR_RATE * PRIOR_COUNT) / (n + PRIOR_COUNT)
    independent = float(np.prod(rates))
    joint = (int(present.all(axis=1).sum()) + PRIOR_COUNT * independent) / (n + PRIOR_COUNT)
    return max(0.0, float(np.log(joint / independent)))


def own_evidence(
    signals: Mapping[str, FloatArray], rates: Mapping[str, BaseRate], n: int
) -> dict[str, FloatArray]:
    """Per-kind evidence (log-odds) per account: from the absence LLR at strength 0 to the presence LLR at
    full strength (weak values count as absent, but for a graded kind many accounts here carry a little
    of), profile kinds carried together read at their joint rate."""
    out = {}
    for kind, r in rates.items():
        s = signals.get(kind)
        if s is None:
            out[kind] = np.full(n, r.absent_llr)
            continue
        # a graded kind that many accounts here carry a little of (``_graded`` raised where it counts from)
        # is read by its order all the way down: there a little of it is routine, not noise, and the
        # accounts that carry less of it rank below those that carry more (a trading platform's disputes)
        keep = s >= PRESENT if r.present <= PRESENT or not lookup(kind).graded else s > 0.0
        strength = np.where(keep, np.clip(s, 0.0, 1.0), 0.0)
        out[kind] = r.absent_llr + strength * (r.llr - r.absent_llr)
    profile = _profile_kinds(signals, rates)
    if len(profile) >= 2:
        for k, minus in profile_overlap(signals, rates, profile).items():
            out[k] = out[k] - minus
    return out


def profile_overlap(
    signals: Mapping[str, FloatArray], rates: Mapping[str, BaseRate], profile: list[str]
) -> dict[str, FloatArray]:
    """Per profile kind, the log-odds each account's evidence of it loses because this platform's quiet
    accounts (``_profile_presence``) carry its set of profile kinds together more often than independent
    traits would (``_excess``), times the weakest strength in the set, shared among the set's kinds in
    proportion to what each says."""
    present, quiet = _profile_presence(signals, rates, profile)
    bits = present.astype(np.int64) @ (1 << np.arange(len(profile), dtype=np.int64))
    strength = np.column_stack([np.clip(signals[k], 0.0, 1.0) for k in profile])
    pos = strength * np.array([rates[k].llr for k in profile])
    taken = np.zeros((len(bits), len(profile)))
    quiet_present = present[quiet]
    for mask in np.unique(bits):
        cols = [j for j in range(len(profile)) if mask >> j & 1]
        if len(cols) < 2:
            continue
        excess = _excess(quiet_present[:, cols])
        rows = bits == mask
        said = pos[np.ix_(rows, cols)]
        cut = np.minimum(excess * strength[np.ix_(rows, cols)].min(axis=1), said.sum(axis=1))
        taken[np.ix_(rows, cols)] = said * (cut / np.maximum(said.sum(axis=1), 1e-12))[:, None]
    return {k: taken[:, j] for j, k in enumerate(profile)}
