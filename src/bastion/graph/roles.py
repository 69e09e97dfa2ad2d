"""Roles inside a network, each with a score and the reasons in plain words.

seller: advertises (own lexicon/hash/link/stories-only signals, sits in a dense or lockstep block, is
followed by other suspects); buyer: reaches out to sellers and searches for it; facilitator: a link hub
or amplifier that many suspects point to without advertising itself; unknown: in the network, no clear role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import FOLLOW, SHARE, AccountGraph, FloatArray, IntArray
from bastion.graph.detector import DetectorResult
from bastion.graph.initiative import conversations_started, followed_back
from bastion.graph.kernels import within_groups
from bastion.graph.model import sigmoid
from bastion.graph.signals import (
    HASH_MATCH,
    SHARED_LINK,
    STORIES_ONLY,
    TERM_MATCH,
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
#: Which way an account's ties with likely members run (log-odds per doubling of followed-by over follows),
#: counted up to DIRECTION_DOUBLINGS: sellers of one cell follow each other, so a seller whom no one in its
#: cell follows back must still be read by its own advertising, not buried by its follows.
DIRECTION, DIRECTION_DOUBLINGS = 2.5, 1.5
#: A role is read from this score on; below it the member's role is "unknown".
ROLE_MIN = 0.3
#: Seller and buyer readings this close are equal: nothing tells the side, the role is "unknown" (a lead
#: decides). Only equal: a lean of 0.502 against 0.498 is weak but read (on a 200k-account synthetic platform
#: a margin of 0.05 made one such seller and one such buyer "unknown", both read right before).
SIDE_MARGIN = 1e-9


def role_scores(
    graph: AccountGraph,
    signals: Mapping[str, FloatArray],
    member: FloatArray,
    seller_evidence: FloatArray,
    buyer_evidence: FloatArray,
    results: Mapping[str, DetectorResult],
    group: IntArray | None = None,
) -> RoleScores:
    """Seller / buyer / facilitator strength per account.

    Which side's evidence is larger (own advertising signals and strong members contacting it, against
    blocked searches and reaching out to sellers), and which way its ties with other likely members run:
    buyers follow sellers, sellers are followed (a follow back answers a follow: it is no choice of the
    account followed back, ``_answered_by``). A facilitator follows or re-shares many likely members
    without advertising itself; its reaching out would otherwise read as a buyer's. Follows inside one
    tight group (``group``, -1: none; ``cells.py``) are peers following each other, not a side: where
    following is one way, most of a cell's follows are not returned, and its sellers read as buyers.
    """
    n = graph.n
    zero = np.zeros(n)
    follow = graph.layer(FOLLOW)
    s = np.clip((member - 0.25) / 0.5, 0.0, 1.0)
    out_follows = np.asarray(follow @ s).ravel()
    chose = (follow, *_started(graph, follow))
    in_sus = np.sum([np.asarray(m.T @ s).ravel() for m in chose], axis=0)
    out_sus = np.sum([np.asarray(m @ s).ravel() for m in chose], axis=0)
    shared = graph.layer(SHARE).copy()
    shared.data[:] = 1.0
    share_sus = np.asarray(shared @ s).ravel()
    young = np.clip(1.0 - np.nan_to_num(graph.attrs.account_age_days, nan=YOUNG_DAYS) / YOUNG_DAYS, 0.0, 1.0)
    # beyond this platform's typical account: on a platform that is itself young every account is, and
    # youth tells no side (an outside check's two-week-old platform read most buyers as sellers by it)
    young = np.clip(young - float(np.median(young)), 0.0, 1.0) if n else young
    content = noisy_or(signals, {TERM_MATCH: 1.0, HASH_MATCH: 1.0, STORIES_ONLY: 0.6}, n)
    amplify = 1.0 - np.power(0.5, share_sus / 2.0)
    breadth = np.clip((out_follows - 5.0) / 10.0, 0.0, 1.0)
    hub = signals.get(SHARED_LINK, zero)
    facilitator = (1.0 - (1.0 - 0.8 * amplify) * (1.0 - 0.4 * breadth) * (1.0 - 0.3 * hub * amplify)) * (
        1.0 - content
    )
    structure = 1.0 - (1.0 - _scores(results, "dense", n)) * (1.0 - _scores(results, "lockstep", n))
    # a young account leans seller (sellers are banned and re-created; buyers are mostly established users)
    peers_in, peers_out = np.sum([_within_groups(m, s, group) for m in chose], axis=0)
    answered = _answered_by(graph, s, group)
    direction = np.clip(
        np.log2((1.0 + in_sus - peers_in - answered) / (1.0 + out_sus - peers_out)),
        -DIRECTION_DOUBLINGS,
        DIRECTION_DOUBLINGS,
    )
    lean = seller_evidence - buyer_evidence + DIRECTION * direction + 1.0 * young + 2.0 * structure
    seller = sigmoid(lean)
    seller = seller * (1.0 - 0.7 * amplify * (1.0 - content))
    # re-sharing likely members' posts is the amplifier's act, not the customer's: it discounts the buyer
    # reading in full (three re-shares leave a third of it; the seller reading keeps its own content test)
    buyer = (1.0 - seller) * (1.0 - amplify)
    return RoleScores(seller, buyer, facilitator, in_sus, out_follows, share_sus)


def _started(graph: AccountGraph, follow: sp.csr_matrix) -> list[sp.csr_matrix]:
    """Row i -> column j: 1 where i wrote to j first (a conversation i started) and did not follow j, where
    the platform says who started its conversations (the ``reply`` layer; else none): a buyer that writes to
    sellers who answer reaches out as one that follows them does (an outside check's network that dealt by
    messages read 42 of 48 buyers as sellers); a reply answers, as a follow back does, and is no choice."""
    started = conversations_started(graph)
    if started is None:
        return []
    beside = (started - started.multiply(follow.sign())).tocsr()
    beside.eliminate_zeros()
    beside.sort_indices()
    return [beside]


def _within_groups(
    follow: sp.csr_matrix, s: FloatArray, group: IntArray | None
) -> tuple[FloatArray, FloatArray]:
    """Per account, the part of ``follow.T @ s`` and ``follow @ s`` from follows inside its own group."""
    n = follow.shape[0]
    if group is None or not (group >= 0).any():
        return np.zeros(n), np.zeros(n)
    return within_groups(follow.indptr, follow.indices, np.asarray(group, dtype=np.int64), s)


def _answered_by(graph: AccountGraph, s: FloatArray, group: IntArray | None) -> FloatArray:
    """Per account, the likely members (weighted by ``s``) that followed it back after it followed them
    (``initiative.followed_back``), outside its own group (follows inside are already no side): a follow
    back answers the account's own choice, so a seller that follows back the buyers who follow it does
    not make them followed by suspects. Empty where the platform sent no follow times."""
    back = followed_back(graph, s > 0).tocoo()  # (a, b): a followed b back
    a, b = back.row, back.col
    keep = s[a] > 0
    if group is not None:
        keep &= (group[a] < 0) | (group[a] != group[b])
    return np.bincount(b[keep], weights=s[a[keep]], minlength=graph.n).astype(np.float64)


def _scores(results: Mapping[str, DetectorResult], name: str, n: int) -> FloatArray:
    r = results.get(name)
    return r.scores if r is not None else np.zeros(n)


def assign_role(i: int, r: RoleScores) -> tuple[str, float]:
    """The strongest role from ``ROLE_MIN``; "unknown" where none is, or where the seller and buyer readings
    are equal (``SIDE_MARGIN``) and lead: nothing then tells the side (a member with no evidence either way
    reads 0.5 on both), and a tie must not go to the harsher role by the order of the names (a seller's
    plan disables the account, a buyer's restricts it)."""
    cand = {"seller": r.seller[i], "buyer": r.buyer[i], "facilitator": r.facilitator[i]}
    role = max(cand, key=lambda k: cand[k])
    score = float(cand[role])
    undecided = role != "facilitator" and _sides_tie(i, r)
    return (role, score) if score >= ROLE_MIN and not undecided else ("unknown", score)


def _sides_tie(i: int, r: RoleScores) -> bool:
    return abs(float(r.seller[i] - r.buyer[i])) < SIDE_MARGIN


def role_sentence(role: str, i: int, r: RoleScores, flagged: bool = True) -> str:
    """``flagged``: the account is a member (an account explained but not flagged is kept by nothing)."""
    if role == "seller":
        return (
            f"seller role score {r.seller[i]:.2f}: own signals, strong members contacting it, or a "
            "coordinated block; "
            f"followed (or first written to) by {r.followed_by_suspects[i]:.1f} suspect-weighted accounts"
        )
    if role == "buyer":
        return f"buyer role score {r.buyer[i]:.2f}: reaches out to suspected sellers and/or blocked searches"
    if role == "facilitator":
        return (
            f"facilitator role score {r.facilitator[i]:.2f}: re-shares {r.shares_suspects[i]:.1f} and "
            f"follows {r.follows_suspects[i]:.1f} suspect-weighted accounts without advertising itself"
        )
    kept = "; kept because it is tightly linked to the network" if flagged else ""
    if _sides_tie(i, r) and max(r.seller[i], r.buyer[i]) >= ROLE_MIN:
        return (
            f"seller and buyer role scores {r.seller[i]:.2f} and {r.buyer[i]:.2f}: nothing tells on which "
            f"side it is{kept}"
        )
    return f"no role stands out{kept}"
