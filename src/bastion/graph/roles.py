"""Roles inside a network, each with a score and the reasons in plain words.

seller: advertises (own lexicon/hash/link/stories-only signals, sits in a dense or lockstep block, is
followed by other suspects); buyer: reaches out to sellers and searches for it; facilitator: a link hub
or amplifier that many suspects point to without advertising itself; unknown: in the network, no clear role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bastion.graph.container import FOLLOW, SHARE, AccountGraph, FloatArray, IntArray
from bastion.graph.signals import (
    BLOCKED_SEARCH,
    HASH_MATCH,
    SELLER_WEIGHTS,
    SHARED_LINK,
    STORIES_ONLY,
    TERM_MATCH,
    describe,
    noisy_or,
)


@dataclass(frozen=True, slots=True)
class RoleScores:
    seller: FloatArray
    buyer: FloatArray
    facilitator: FloatArray
    followed_by_suspects: FloatArray
    follows_suspects: FloatArray
    shares_suspects: FloatArray


#: An account younger than this leans seller: seller accounts are banned and re-created, buyers are
#: mostly established users (the researchers' month-later count: hundreds of new seller accounts).
YOUNG_DAYS = 365.0


def role_scores(
    graph: AccountGraph,
    signals: Mapping[str, FloatArray],
    suspect: FloatArray,
    detector_scores: Mapping[str, FloatArray],
    reach: FloatArray | None = None,
) -> RoleScores:
    """Seller / buyer / facilitator strength per account; ``reach`` is the contact detector's graph part."""
    n = graph.n
    zero = np.zeros(n)
    follow = graph.layer(FOLLOW)
    s = np.clip((suspect - 0.2) / 0.4, 0.0, 1.0)
    in_sus = np.asarray(follow.T @ s).ravel()
    out_sus = np.asarray(follow @ s).ravel()
    shared = graph.layer(SHARE).copy()
    shared.data[:] = 1.0
    share_sus = np.asarray(shared @ s).ravel()
    own = noisy_or(signals, SELLER_WEIGHTS, n)
    structure = 1.0 - (1.0 - detector_scores.get("dense", zero)) * (
        1.0 - detector_scores.get("lockstep", zero)
    )
    young = np.clip(1.0 - np.nan_to_num(graph.attrs.account_age_days, nan=YOUNG_DAYS) / YOUNG_DAYS, 0.0, 1.0)
    content = noisy_or(signals, {TERM_MATCH: 1.0, HASH_MATCH: 1.0, STORIES_ONLY: 0.6}, n)
    # amplification: re-sharing several suspects' content, or following a large part of the network
    amplify = 1.0 - np.power(0.5, share_sus / 2.0)
    breadth = np.clip((out_sus - 5.0) / 10.0, 0.0, 1.0)
    hub = signals.get(SHARED_LINK, zero)
    facilitator = (1.0 - (1.0 - 0.8 * amplify) * (1.0 - 0.4 * breadth) * (1.0 - 0.3 * hub * amplify)) * (
        1.0 - content
    )
    seller = 1.0 - (1.0 - own) * (1.0 - 0.8 * structure) * (1.0 - 0.5 * young)
    seller *= 1.0 - 0.7 * amplify * (1.0 - content)
    reached = reach if reach is not None else 1.0 - np.power(0.5, out_sus / 1.5)
    searched = 0.7 * signals.get(BLOCKED_SEARCH, zero)
    buyer = (1.0 - (1.0 - reached) * (1.0 - searched)) * (1.0 - 0.7 * own) * (1.0 - 0.6 * structure)
    buyer *= 1.0 - 0.6 * amplify
    return RoleScores(seller, buyer, facilitator, in_sus, out_sus, share_sus)


def assign_role(i: int, r: RoleScores) -> tuple[str, float]:
    cand = {"seller": r.seller[i], "buyer": r.buyer[i], "facilitator": r.facilitator[i]}
    role = max(cand, key=lambda k: cand[k])
    score = float(cand[role])
    return (role, score) if score >= 0.3 else ("unknown", score)


def signal_evidence(signals: Mapping[str, FloatArray], i: int) -> list[tuple[str, str, float]]:
    """(kind, sentence, value) for every signal this account carries."""
    return [(k, describe(k, float(v[i])), float(v[i])) for k, v in sorted(signals.items()) if v[i] > 0.15]


def role_sentence(role: str, i: int, r: RoleScores) -> str:
    if role == "seller":
        return (
            f"seller score {r.seller[i]:.2f}: own signals and/or coordinated block; "
            f"followed by {r.followed_by_suspects[i]:.1f} suspect-weighted accounts"
        )
    if role == "buyer":
        return f"buyer score {r.buyer[i]:.2f}: reaches out to suspected sellers and/or blocked searches"
    if role == "facilitator":
        return (
            f"facilitator score {r.facilitator[i]:.2f}: re-shares {r.shares_suspects[i]:.1f} and follows "
            f"{r.follows_suspects[i]:.1f} suspect-weighted accounts without advertising itself"
        )
    return "no role stands out; kept because it is tightly linked to the network"


def members_by_role(groups: list[IntArray], r: RoleScores) -> list[list[tuple[int, str, float]]]:
    return [[(int(i), *assign_role(int(i), r)) for i in g] for g in groups]
