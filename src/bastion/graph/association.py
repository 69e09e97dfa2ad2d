"""Association evidence: ties to strong members, one hop, read against what chance gives an account.

Two features, one per direction, so no contact counts twice for one account:
- ``tie`` (seller side): strong members that *chose* to contact this account (followed it, wrote to it);
- ``reach`` (buyer side): strong sellers this account *chose* to contact.
Only strong neighbours count: a neighbour's strength is a ramp on its log-odds evidence of its *own*, so
weak suspicion never spreads, and nothing reached through association feeds association again (no
cascade). Each kind of evidence adds at most ``ONE_KIND_CAP`` to that strength and the ramp starts there, so
a neighbour strong on one kind alone (a code word a hobby community shares, one link domain) never counts:
people who share a trait befriend each other, and a trait shared along friendships is homophily, not a
network. Each contact is damped by how indiscriminate its chooser is (an account that follows thousands
says little by following one more). The evidence is the
Poisson log-likelihood ratio of the observed count of strong contacts under "member" (a share
``MEMBER_SHARE`` of its contacts are strong) against "ordinary" (the platform's share of strong accounts):
R log(m / p) - D (m - p). One chance contact among forty is nothing, three among forty is a lot, thirty
among two thousand (a bulk follower, a popular account that sellers follow as camouflage) is nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import FOLLOW, FOLLOW_REC, INTERACTION, MESSAGE, AccountGraph, FloatArray

REC_FOLLOW_WEIGHT = 0.5
INTERACTION_WEIGHT = 0.5
MESSAGE_BONUS = 0.5
#: Strength ramp on a neighbour's own evidence (log-odds, each kind capped at ONE_KIND_CAP): it counts from
#: STRONG_LO (more than one kind) and in full from STRONG_HI (two strong kinds and a third).
ONE_KIND_CAP = 1.5
STRONG_LO, STRONG_HI = ONE_KIND_CAP, 3.5
#: Share of a member's contacts that are strong members (the "member" hypothesis of the ratio), at least
#: four times the platform's share.
MEMBER_SHARE = 0.1
#: Out-degree up to which a chooser counts in full; above, each contact weighs sqrt(FULL / out-degree).
FULL_OUT_DEGREE = 50.0
#: No association feature says more than this (log-odds).
MAX_LLR = 6.0
#: The platform's share of strong accounts is floored here: on a platform with almost none, one chance
#: contact with the one strong account must not look like a pattern.
BASE_FLOOR = 0.002


def _channel(m: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    out = m.copy()
    out.data[:] = weight
    return sp.csr_matrix(out)


def chosen_contacts(graph: AccountGraph) -> sp.csr_matrix:
    """Row i -> column j: how clearly i chose to contact j (follow 1, recommended follow 0.5, message 1.5,
    like or comment 0.5); channels are not added up except a message's bonus (writing is intent)."""
    follow = _channel(graph.layer(FOLLOW), 1.0) - _channel(graph.layer(FOLLOW_REC), 1.0 - REC_FOLLOW_WEIGHT)
    msg = graph.layer(MESSAGE)
    reach = follow.maximum(_channel(msg, 1.0)).maximum(_channel(graph.layer(INTERACTION), INTERACTION_WEIGHT))
    if msg.nnz:
        reach = reach + _channel(msg, MESSAGE_BONUS)
    out = sp.csr_matrix(reach)
    out.eliminate_zeros()
    return out


def diverse(parts: list[FloatArray]) -> FloatArray:
    """Sum of evidence kinds, each in favour only and capped at ``ONE_KIND_CAP``: what ``strong`` reads."""
    total = np.zeros(len(parts[0])) if parts else np.zeros(0)
    for p in parts:
        total = total + np.clip(p, 0.0, ONE_KIND_CAP)
    return np.asarray(total, dtype=np.float64)


def strong(evidence: FloatArray) -> FloatArray:
    """How much a neighbour counts, from its evidence in log-odds (0 below STRONG_LO, 1 from STRONG_HI)."""
    return np.asarray(np.clip((evidence - STRONG_LO) / (STRONG_HI - STRONG_LO), 0.0, 1.0), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Association:
    """One feature: strong contacts counted, contacts in all, the chance share, and the evidence."""

    count: FloatArray
    total: FloatArray
    base: float
    llr: FloatArray

    def words(self, i: int, what: str) -> str:
        return (
            f"{what} {self.count[i]:.1f} strong member(s) among {self.total[i]:.0f} contact(s) "
            f"({self.total[i] * self.base:.2f} expected by chance), {self.llr[i]:+.1f} log-odds"
        )


def _llr(count: FloatArray, total: FloatArray, base: float) -> FloatArray:
    """The Poisson ratio, zero below two strong contacts: "several", not one chance follow."""
    base = float(np.clip(base, BASE_FLOOR, 0.2))
    # on a small platform with a large network strong accounts are common: a member's share must be too
    member = max(MEMBER_SHARE, 4.0 * base)
    raw = count * np.log(member / base) - total * (member - base)
    several = np.clip(count - 1.0, 0.0, 1.0)
    return np.asarray(np.clip(raw, 0.0, MAX_LLR) * several, dtype=np.float64)


def chooser_damping(contacts: sp.csr_matrix) -> FloatArray:
    out_deg = np.asarray(contacts.sum(axis=1)).ravel()
    return np.asarray(np.sqrt(np.minimum(1.0, FULL_OUT_DEGREE / np.maximum(out_deg, 1.0))), dtype=np.float64)


def tie_in(contacts: sp.csr_matrix, own: FloatArray) -> Association:
    """Seller side: strong accounts (by their own evidence, log-odds) that chose to contact each account.

    Only for accounts that themselves engage with at least one strong account: sellers follow popular and
    random accounts as camouflage, and an account that several sellers follow but that never turns to any
    of them is their camouflage, not their peer.
    """
    damp = chooser_damping(contacts)
    s = strong(own)
    weighted_in = sp.csr_matrix(sp.diags(damp) @ contacts)
    count = np.asarray(weighted_in.T @ s).ravel()
    total = np.asarray(weighted_in.sum(axis=0)).ravel()
    engaged = np.clip(np.asarray(contacts @ s).ravel(), 0.0, 1.0)
    base = float(s.mean())
    return Association(count, total, base, _llr(count, total, base) * engaged)


def reach_out(contacts: sp.csr_matrix, seller: FloatArray) -> Association:
    """Buyer side: strong sellers (seller-side log-odds) each account chose to contact, against its own
    number of contacts."""
    s = strong(seller)
    count = np.asarray(contacts @ s).ravel()
    total = np.asarray(contacts.sum(axis=1)).ravel()
    base = float(s.mean())
    return Association(count, total, base, _llr(count, total, base))
