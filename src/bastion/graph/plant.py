"""Plant synthetic seller/buyer networks into a real (or synthetic) follow graph, with ground truth.

Used by bench/networks.py and the tests. The planted world follows the pattern researchers describe and the
noise real platforms have (issue 12, item 8): several separate networks with no ties between them, each made
of seller cells that barely touch each other, buyers (existing users) following a few percent of their
network's sellers, and facilitators who follow a large part of it and re-share its content; sellers follow
popular accounts as camouflage; ordinary users are pulled toward sellers by recommendations. Activity is
spread evenly over a four-month window unless ``burst`` asks for the old tight creation windows. The
ordinary side (likes, messages and recommended follows among friends, a dense community that uses one code
word innocently, one-off curious searchers, stray signals) lives in :mod:`bastion.graph.plant_ordinary`,
who reports whom (honest witnesses, mass reporters, flaggers, a brigade) in
:mod:`bastion.graph.plant_witnesses`; every behaviour is a :class:`PlantConfig` knob, and everything is drawn
from ``cfg.seed`` (same seed and substrate, same world bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bastion.core.errors import InputError
from bastion.graph.container import INTERACTION, MESSAGE, SHARE, AccountGraph, IntArray
from bastion.graph.plant_events import (
    BUYER,
    COHORT,
    COMMUNITY,
    CURIOUS,
    DAY,
    DECOY,
    FACILITATOR,
    FLAGGER,
    NETWORK_LABELS,
    ORDINARY,
    ORDINARY_LABELS,
    PULLED,
    SELLER,
    TARGET,
    Follows,
    followed_back,
)
from bastion.graph.plant_network import (
    camouflage,
    cells,
    dealt_by_messages,
    facilitators,
    members,
    network_buyers,
    old_friends,
    reached_out,
)
from bastion.graph.plant_ordinary import (
    add_cohort,
    add_community,
    attributes,
    background,
    ordinary_signals,
    shared_domains,
)
from bastion.graph.plant_witnesses import (
    add_brigade,
    add_flaggers,
    add_spam_reports,
    add_wrong_reports,
    reports,
)
from bastion.graph.signals import SHARED_LINK

__all__ = [
    "BUYER",
    "COHORT",
    "COMMUNITY",
    "CURIOUS",
    "DECOY",
    "FACILITATOR",
    "FLAGGER",
    "NETWORK_LABELS",
    "ORDINARY",
    "ORDINARY_LABELS",
    "PULLED",
    "SELLER",
    "TARGET",
    "PlantConfig",
    "Planted",
    "plant",
]
#: The default horizon (kept as a module constant for callers that used it).
HORIZON = 365 * DAY


@dataclass(frozen=True, slots=True)
class PlantConfig:
    """Every behaviour is a knob; the defaults are what a real platform looks like (issue 12, item 8)."""

    sellers: int = 120
    buyers: int = 30
    cells: int = 6
    networks: int = -1  # separate networks, no ties between them; default clip(cells // 2, 1, 3)
    camouflage: str = "popular"  # none | random | popular
    camouflage_per_seller: int = 15
    buyer_follow_share: float = 0.04
    facilitators: int = -1  # default: one per 20 sellers (at least 2)
    facilitator_follow_share: float = 0.25
    pulled: int = 0  # default: 2 x sellers
    decoys: int = 100  # scattered ordinary users with one moderate code-word match
    seeds: int = 5
    seed: int = 0
    # timing: follows spread evenly from an account's creation (or the export window's start) to its end;
    # four months, like the export the issue was measured on (shorter windows make chance lockstep likelier)
    horizon_days: int = 120
    burst: float = 0.0  # share of in-cell follows made within two days of the cell's creation (0 = none)
    creation_spread_days: int = 60  # sellers of one cell are created over this many days (x (1 - burst))
    # sellers' and buyers' own signals
    seller_silent_share: float = 0.4  # sellers with no term match at all (rotated words, or no text)
    seller_link_share: float = 0.4  # sellers whose link-in-bio domain is shared with their cell
    buyer_search_share: float = 0.3  # buyers with a blocked search; the rest never search
    # the innocent community: a dense real circle of the substrate that uses one code word
    community_min: int = 30  # 0 = no community
    community_max: int = 150
    community_density: float = 0.2  # ties are added among members until this share of pairs is linked
    community_term_share: float = 0.6
    community_site_share: float = 0.0  # community members who link its club's own site (one domain)
    # friendships (the substrate's ties, the community's and the cohort's) followed back; 1 = all of them
    # (a friends platform); where following is one way (a photo app) far fewer are
    follow_back_share: float = 1.0
    curious: int = -1  # one-off curious searchers; default max(5, 0.25% of the substrate)
    cohort: int = 0  # a circle that joined together: new accounts, mostly stories, no code word (bench: 40)
    cohort_term_share: float = 0.0  # cohort members who also use a hobby word that is on the lexicon
    cohort_joined_days: int = 0  # > 0: the cohort arrived together and followed each other within these days
    # cohort members who link one site they hold together (small shops on one market site, a class on its
    # school's): the rarely shared domain a seller cell's storefront is, held by friends
    cohort_site_share: float = 0.0
    # reports each cohort member receives for spam from ordinary accounts (with the site: a spam ring)
    cohort_spam_reports: int = 0
    # users who follow a network's sellers to report them (a trusted flagger, a researcher): not its buyers
    flaggers: int = 0
    flagger_follows: int = 15
    flagger_reports: int = 10
    # of the sellers a flagger follows and did not report, those it writes to first (a journalist or a
    # researcher talking to the network it studies); each answers and follows it back
    flagger_writes: int = 0
    # users the sellers follow and write to (advertising, grooming), who follow one back: not their peers
    targets: int = 0
    target_followers: int = 5
    target_follows_back: int = 1  # of those sellers (an account that follows back everyone: all of them)
    target_replies: int = 0  # of the two sellers that write to it, those it answers (a groomed child does)
    # other targets of its network each one follows first, and is followed back by (accounts that follow
    # back everyone know each other: each is then in the sellers' group and chose a group-mate first)
    target_friends: int = 0
    # a network that deals by messages: its sellers barely follow each other (a tenth of the follows
    # inside a cell), write first to two cell-mates each, who answer, and every buyer writes first to each
    # seller it chose, who answers (an outside check's sellers were found at under half)
    deal_by_messages: bool = False
    # mutual friendships each seller has with ordinary accounts picked at random, whatever their degree: an
    # old personal account turned seller keeps its friends (an outside check's friends of two sellers
    # were flagged)
    seller_friends: int = 0
    # reports (the report layer and signal, as the loader builds them)
    seller_report_share: float = 0.25  # sellers reported by ordinary users who interacted with them
    bad_faith_reporters: int = 3
    bad_faith_targets: int = 40  # ordinary accounts each bad-faith reporter mass-reports
    # a report brigade: this many ordinary accounts each report the same few members of the innocent
    # community (a campaign to get them taken down); not a network's victims
    brigade: int = 0
    brigade_targets: int = 30
    # members of the innocent community that use its word, each reported by two ordinary accounts (an
    # outside check's group chat, two of its hobby users wrongly reported, was a network of 5-7 beside
    # the sellers')
    community_wrong_reports: int = 0
    report_base_rate: float = 0.005  # ordinary accounts with one stray report
    # ordinary activity along the substrate's ties (shares of ties), so only networks talking is no tell
    rec_follow_share: float = 0.15  # ordinary follows that came from the recommender
    ordinary_interaction_rate: float = 0.3
    ordinary_message_rate: float = 0.05
    ordinary_share_rate: float = 0.02
    # noise on ordinary accounts
    stray_term_rate: float = 0.02
    stray_link_rate: float = 0.01  # ordinary accounts sharing a small domain with 1-2 others
    stories_only_rate: float = 0.05
    new_account_rate: float = 0.03
    clean: bool = False  # no network at all; ``seeds`` ordinary accounts (wrongly reported) are the seeds

    @classmethod
    def legacy(cls, **overrides: Any) -> PlantConfig:
        """The easier world planted before issue 12 (one network, cells created in a burst, every seller
        with text, no innocent community, searchers or bad-faith reports): for detector tests that predate
        the realistic defaults. Benchmarks use the defaults."""
        base: dict[str, Any] = {
            "networks": 1,
            "camouflage": "random",
            "horizon_days": 730,
            "burst": 1.0,
            "seller_silent_share": 0.0,
            "buyer_search_share": 0.5,
            "community_min": 0,
            "curious": 0,
            "seller_report_share": 0.15,
            "bad_faith_reporters": 0,
            "new_account_rate": 0.0,
            "rec_follow_share": 0.0,
            "ordinary_interaction_rate": 0.0,
            "ordinary_message_rate": 0.0,
            "ordinary_share_rate": 0.0,
        }
        return cls(**{**base, **overrides})


@dataclass(frozen=True, slots=True)
class Planted:
    graph: AccountGraph
    label: npt.NDArray[np.int8]
    cell: IntArray
    seeds: list[str]
    base_nodes: int
    network: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # -1 = not a member

    @property
    def networks(self) -> int:
        return int(self.network.max()) + 1 if len(self.network) and self.network.max() >= 0 else 0


def plant(
    base_src: IntArray, base_dst: IntArray, n_base: int, cfg: PlantConfig, platform: str = "bench"
) -> Planted:
    """``base_*`` are undirected pairs of the substrate (each becomes a mutual follow)."""
    rng = np.random.default_rng(cfg.seed)
    horizon = cfg.horizon_days * DAY
    s_n = 0 if cfg.clean else cfg.sellers
    n = n_base + s_n
    sellers = np.arange(n_base, n)
    label = np.zeros(n, dtype=np.int8)
    label[sellers] = SELLER
    network = np.full(n, -1, dtype=np.int64)
    cell = np.full(n, -1, dtype=np.int64)
    created = np.zeros(n, dtype=np.int64)
    base_src, base_dst = np.asarray(base_src, dtype=np.int64), np.asarray(base_dst, dtype=np.int64)
    adj = sp.csr_matrix((np.ones(len(base_src)), (base_src, base_dst)), shape=(n_base, n_base))
    adj = ((adj + adj.T) > 0).tocsr()
    deg = np.diff(adj.indptr).astype(np.float64)

    fol = Follows(rng, horizon)
    t_base = rng.integers(0, horizon, len(base_src))
    back = np.minimum(horizon - 1, t_base + rng.integers(0, 30 * DAY, len(base_src)))
    kept = followed_back(cfg.follow_back_share, cfg.seed, 0, len(base_src))
    if cfg.rec_follow_share > 0:  # ordinary follows the recommender suggested
        fol.add(base_src, base_dst, t_base, rng.random(len(base_src)) < cfg.rec_follow_share)
        rec_back = rng.random(len(base_src)) < cfg.rec_follow_share
        fol.add(base_dst[kept], base_src[kept], back[kept], rec_back[kept])
    else:
        fol.add(base_src, base_dst, t_base)
        fol.add(base_dst[kept], base_src[kept], back[kept])
    activity = background(rng, cfg, base_src, base_dst)
    comm = add_community(rng, adj, cfg, fol)
    label[comm] = COMMUNITY
    free = np.ones(n_base, dtype=bool)  # base accounts not yet given a part
    free[comm] = False
    free &= deg > 0

    inter: list[tuple[int, int]] = []
    share: list[tuple[int, int]] = []
    msg: list[tuple[int, int]] = []
    domain = np.full(n, -1, dtype=np.int64)  # link-in-bio domain id per account
    pulled = np.zeros(0, dtype=np.int64)
    if s_n:
        k_net = cfg.networks if cfg.networks > 0 else int(np.clip(cfg.cells // 2, 1, 3))
        if k_net > cfg.cells:
            raise InputError(f"{k_net} networks need at least as many cells (got {cfg.cells})", field="cells")
        cell[sellers] = rng.integers(0, cfg.cells, s_n)
        network[sellers] = cell[sellers] % k_net
        cells(rng, cfg, sellers, cell, network, created, fol, domain, inter)
        near = np.zeros(n_base, dtype=bool)  # the community has no tie to any network
        near[adj[comm].indices] = True
        members(rng, cfg, adj, deg, free & ~near, k_net, label, network)
        free &= label[:n_base] == ORDINARY
        network_buyers(rng, cfg, sellers, network, label, created, fol, inter, msg)
        facilitators(rng, cfg, sellers, network, cell, label, created, fol, share, domain)
        camouflage(rng, cfg, sellers, deg, free, created, fol)
        pulled = _pick(rng, free, cfg.pulled or 2 * s_n)
        label[pulled] = PULLED
    decoys = _pick(rng, free, cfg.decoys)
    label[decoys] = DECOY
    curious = _pick(rng, free, cfg.curious if cfg.curious >= 0 else max(5, n_base // 400))
    label[curious] = CURIOUS
    followed = rng.choice(sellers, len(pulled)) if s_n else pulled
    fol.after(pulled, followed, created, from_rec=True)
    outside = np.flatnonzero(label[:n_base] != COMMUNITY)
    rec_viewers = np.concatenate([pulled, rng.choice(outside, size=len(pulled))])
    rec_targets = np.concatenate([followed, rng.choice(sellers, size=len(pulled)) if s_n else pulled])
    bg = rng.choice(n_base, size=min(n_base, 50_000))
    rec = (
        np.concatenate([rec_viewers, bg]),
        np.concatenate([rec_targets, rng.choice(n_base, size=len(bg))]),
        rng.integers(1, 6, len(rec_viewers) + len(bg)).astype(np.float64),
    )

    ordinary = np.flatnonzero((label[:n_base] == ORDINARY) & (deg > 0))
    seeds_idx = (
        rng.choice(ordinary, size=min(cfg.seeds, len(ordinary)), replace=False)
        if cfg.clean
        else rng.choice(sellers, size=min(cfg.seeds, s_n), replace=False)
    )
    rep = reports(rng, cfg, label, pulled, followed, seeds_idx if cfg.clean else None, inter)
    attrs = attributes(rng, cfg, label, created, horizon)
    signals, domain = ordinary_signals(rng, cfg, label, domain, rep)
    add_cohort(cfg, adj, label, attrs, fol, seeds_idx, signals, domain)
    replies: list[tuple[int, int]] = []  # messages answering a conversation the recipient started
    rep = add_flaggers(cfg, label, network, created, fol, rep, signals, (msg, replies))
    rep = add_brigade(cfg, label, rep, signals)
    rep = add_spam_reports(cfg, label, rep, signals)
    rep = add_wrong_reports(cfg, label, rep, signals)
    reached_out(cfg, label, network, created, fol, msg, replies)
    if cfg.deal_by_messages and s_n:
        dealt_by_messages(cfg, sellers, cell, label, network, fol, msg, replies)
    if cfg.seller_friends and s_n:
        old_friends(cfg, sellers, label, created, fol)
    ids = [f"acct-{i}" for i in range(n)]
    f_src, f_dst, f_t, f_rec = fol.arrays()
    graph = AccountGraph.from_arrays(
        platform,
        ids,
        (f_src, f_dst),
        follow_times=f_t,
        follow_from_rec=f_rec,
        interactions=_trip(inter + share, activity[INTERACTION], activity[SHARE]),
        shares=_trip(share, activity[SHARE]),
        messages=_trip(msg + replies, activity[MESSAGE]),
        replies=_trip(replies) if replies else None,
        recommendations=rec,
        reports=rep,
        attrs=attrs,
        signals=signals,
        shared={SHARED_LINK: shared_domains(domain)},
    )
    return Planted(graph, label, cell, [ids[i] for i in seeds_idx], n_base, network)


def _trip(
    pairs: list[tuple[int, int]], *more: tuple[IntArray, IntArray]
) -> tuple[IntArray, IntArray, npt.NDArray[np.float64]]:
    arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    src = np.concatenate([arr[:, 0], *(m[0] for m in more)])
    dst = np.concatenate([arr[:, 1], *(m[1] for m in more)])
    return src, dst, np.ones(len(src))


def _pick(rng: np.random.Generator, free: npt.NDArray[np.bool_], k: int) -> IntArray:
    """``k`` free base accounts (fewer if the substrate runs out), taken out of the free pool."""
    pool = np.flatnonzero(free)
    got = rng.choice(pool, size=min(k, len(pool)), replace=False) if k > 0 else pool[:0]
    free[got] = False
    return np.sort(got)
