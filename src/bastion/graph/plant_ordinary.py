"""The ordinary side of a planted platform: what real platforms have and detectors must not flag.

A dense community of the substrate that uses one code word innocently, a cohort of new friends, activity
among friends, and signals and attributes at realistic base rates (who reports whom is in
``plant_witnesses``). Reports and shared link domains are turned into signal strengths exactly as
bastion.graph.load does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bastion.graph.container import (
    AGE_ADULT,
    AGE_MINOR,
    INTERACTION,
    MESSAGE,
    SHARE,
    BoolArray,
    FloatArray,
    IntArray,
    NodeAttributes,
)
from bastion.graph.load import (
    shared_domain_signal,
    shares_domain,
)
from bastion.graph.plant_events import (
    BUYER,
    COHORT,
    COMMUNITY,
    CURIOUS,
    DAY,
    DECOY,
    FACILITATOR,
    ORDINARY,
    PULLED,
    SELLER,
    Follows,
    Pairs,
    followed_back,
)
from bastion.graph.plant_witnesses import Reports, report_strength
from bastion.graph.signals import BLOCKED_SEARCH, HASH_MATCH, REPORT, SHARED_LINK, TERM_MATCH

if TYPE_CHECKING:
    from bastion.graph.plant import PlantConfig

#: Blocked-search strengths as the term guard stores them (bastion.terms.service.search_score).
SEARCH_PLAIN, SEARCH_EVASIVE = 0.6, 0.9
#: Starting accounts tried when growing the innocent community (the densest result is kept).
COMMUNITY_TRIES = 12
#: Accounts a cohort that joined together all follow in its first two days (the club's, a teacher's).
COHORT_CLUBS = 4
#: Starts the cohort may grow from until one reaches its size (the largest is kept).
COHORT_TRIES = 8
#: Accounts above this degree quantile are never part of the innocent community.
COMMUNITY_MAX_DEGREE_QUANTILE = 0.95


def add_community(rng: np.random.Generator, adj: sp.csr_matrix, cfg: PlantConfig, fol: Follows) -> IntArray:
    """A dense real circle of the substrate (like a department), made at least ``community_density`` dense
    with extra mutual follows, as a hobby circle is.

    Grown greedily from a few starting accounts (always adding the account with most ties into the circle)
    so it is a community of the substrate itself; the densest of the tries is kept.
    """
    n = adj.shape[0]
    lo, hi = cfg.community_min, min(cfg.community_max, n // 4)
    deg = np.diff(adj.indptr)
    if lo <= 0 or hi < lo or not (deg > 0).any():
        return np.zeros(0, dtype=np.int64)
    eligible = _not_hubs(deg)
    size = int(rng.integers(lo, hi + 1))
    pool = np.flatnonzero(eligible)
    starts = rng.choice(pool, size=min(COMMUNITY_TRIES, len(pool)), replace=False)
    best, best_density = np.zeros(0, dtype=np.int64), -1.0
    for c in np.sort(starts):
        group = _grow(adj, eligible, int(c), size)
        k = len(group)
        if k < lo:
            continue
        density = adj[group][:, group].nnz / (k * (k - 1))
        if density > best_density:
            best, best_density = group, density
    k = len(best)
    missing = int(cfg.community_density * k * (k - 1) / 2 - max(best_density, 0.0) * k * (k - 1) / 2)
    if missing > 0:
        _mutual_follows(rng, cfg, 1, fol, rng.choice(best, size=missing), rng.choice(best, size=missing))
    return best


def _not_hubs(deg: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Accounts with ties, short of the platform's most followed (a circle of friends is not made of them:
    they stay camouflage targets)."""
    if not (deg > 0).any():
        return np.zeros(len(deg), dtype=bool)
    return np.asarray((deg > 0) & (deg <= np.quantile(deg[deg > 0], COMMUNITY_MAX_DEGREE_QUANTILE)))


def _mutual_follows(
    rng: np.random.Generator, cfg: PlantConfig, stream: int, fol: Follows, a: IntArray, b: IntArray
) -> None:
    """a follows b at any time in the window, b follows back within a month, as often as
    ``cfg.follow_back_share`` says (``followed_back``, from its own ``stream``)."""
    kept = followed_back(cfg.follow_back_share, cfg.seed, stream, len(a))
    t = rng.integers(0, fol.horizon, len(a))
    fol.add(a, b, t)
    back = np.minimum(fol.horizon - 1, t + rng.integers(0, 30 * DAY, len(a)))
    fol.add(b[kept], a[kept], back[kept])


def _grow(adj: sp.csr_matrix, eligible: npt.NDArray[np.bool_], start: int, size: int) -> IntArray:
    """Add, one at a time, the eligible outside account most tied into the group for its degree (ties /
    sqrt(degree), so neither hubs nor leaves win by size alone; lowest index on a tie)."""
    ties = np.zeros(adj.shape[0], dtype=np.float64)
    inside = np.zeros(adj.shape[0], dtype=bool)
    norm = 1.0 / np.sqrt(np.maximum(np.diff(adj.indptr), 1))
    v = start
    for _ in range(size):
        inside[v] = True
        ties[adj.indices[adj.indptr[v] : adj.indptr[v + 1]]] += 1
        cand = np.where(inside | ~eligible, -1.0, ties * norm)
        v = int(np.argmax(cand))
        if cand[v] <= 0:
            break
    return np.flatnonzero(inside).astype(np.int64)


def background(rng: np.random.Generator, cfg: PlantConfig, a: IntArray, b: IntArray) -> dict[str, Pairs]:
    """Likes/comments, re-shares and messages between ordinary friends: a share of the substrate's ties,
    in either direction."""
    out: dict[str, Pairs] = {}
    for layer, rate in (
        (INTERACTION, cfg.ordinary_interaction_rate),
        (SHARE, cfg.ordinary_share_rate),
        (MESSAGE, cfg.ordinary_message_rate),
    ):
        if rate <= 0:
            out[layer] = (a[:0], b[:0])
            continue
        hit = np.flatnonzero(rng.random(len(a)) < rate)
        flip = rng.random(len(hit)) < 0.5
        out[layer] = (np.where(flip, b[hit], a[hit]), np.where(flip, a[hit], b[hit]))
    return out


def shared_link_strength(domain: IntArray) -> FloatArray:
    """Domains held by 2..cap accounts tie their holders together, as bastion.graph.load scores them."""
    out = np.zeros(len(domain))
    k = _holders(domain)
    ok = _shared(k, len(domain))
    out[ok] = shared_domain_signal(k[ok])
    return out


def shared_domains(domain: IntArray) -> tuple[IntArray, IntArray]:
    """(account, domain) of the domains that make ``shared_link`` (``AccountGraph.shared``)."""
    at = np.flatnonzero(_shared(_holders(domain), len(domain)))
    return at.astype(np.int64), np.asarray(domain[at], dtype=np.int64)


def _holders(domain: IntArray) -> FloatArray:
    """Per account, how many accounts hold its domain (0: none)."""
    k = np.zeros(len(domain))
    has = domain >= 0
    if has.any():
        k[has] = np.bincount(domain[has])[domain[has]]
    return k


def _shared(holders: FloatArray, n: int) -> BoolArray:
    return np.asarray(shares_domain(holders, n), dtype=bool)


def ordinary_signals(
    rng: np.random.Generator,
    cfg: PlantConfig,
    label: npt.NDArray[np.int8],
    domain: IntArray,
    rep: Reports,
) -> tuple[dict[str, FloatArray], IntArray]:
    """Signal strengths per account, on the scales the capabilities store them, and each account's link
    domain (-1 none), with the ordinary accounts' small shared sites added."""
    n = len(label)
    sig = {k: np.zeros(n) for k in (TERM_MATCH, SHARED_LINK, HASH_MATCH, REPORT, BLOCKED_SEARCH)}

    def draw(mask: npt.NDArray[np.bool_], p: float, lo: float, hi: float, kind: str) -> None:
        hit = mask & (rng.random(n) < p)
        sig[kind][hit] = np.maximum(sig[kind][hit], rng.uniform(lo, hi, int(hit.sum())))

    s, b = label == SELLER, label == BUYER
    silent = s & (rng.random(n) < cfg.seller_silent_share)  # rotated words the lexicon lacks, or no text
    draw(s & ~silent, 0.9, 0.5, 1.0, TERM_MATCH)
    draw(s, 0.1, 0.8, 1.0, HASH_MATCH)
    searcher = b & (rng.random(n) < cfg.buyer_search_share)
    sig[BLOCKED_SEARCH][searcher] = np.where(
        rng.random(int(searcher.sum())) < 0.3, SEARCH_EVASIVE, SEARCH_PLAIN
    )
    draw(b, 0.05, 0.2, 0.4, TERM_MATCH)
    draw(label == DECOY, 1.0, 0.25, 0.5, TERM_MATCH)  # one code word used innocently
    draw(label == COMMUNITY, cfg.community_term_share, 0.3, 0.6, TERM_MATCH)  # the hobby circle's word
    sig[BLOCKED_SEARCH][label == CURIOUS] = SEARCH_PLAIN  # one blocked search, nothing else
    o = (label == ORDINARY) | (label == PULLED) | (label == COMMUNITY)
    draw(o, cfg.stray_term_rate, 0.15, 0.45, TERM_MATCH)

    domain = domain.copy()
    stray = np.flatnonzero(o & (rng.random(n) < cfg.stray_link_rate))
    stray = stray[rng.permutation(len(stray))]
    next_id = int(domain.max()) + 1 if (domain >= 0).any() else 0
    groups = rng.integers(2, 4, len(stray))  # a small business's 2-3 staff share its site
    domain[stray] = next_id + np.repeat(np.arange(len(groups)), groups)[: len(stray)]
    if cfg.community_site_share > 0.0:  # a club's site, linked by its members (drawn only where planted)
        club = (label == COMMUNITY) & (rng.random(n) < cfg.community_site_share)
        domain[club] = int(domain.max()) + 1
    sig[SHARED_LINK] = shared_link_strength(domain)
    sig[REPORT] = report_strength(rep, n)
    return sig, domain


def attributes(
    rng: np.random.Generator,
    cfg: PlantConfig,
    label: npt.NDArray[np.int8],
    created: IntArray,
    horizon: int,
) -> NodeAttributes:
    n = len(label)
    a = NodeAttributes.empty(n)
    a.age_band[:] = np.where(rng.random(n) < 0.15, AGE_MINOR, AGE_ADULT)
    a.account_age_days[:] = rng.uniform(90, 3000, n)
    new = rng.random(n) < cfg.new_account_rate
    a.account_age_days[new] = rng.uniform(1, 90, int(new.sum()))
    a.post_count[:] = rng.geometric(0.02, n)
    stories = rng.random(n) < cfg.stories_only_rate
    a.stories_ratio[:] = np.where(stories, rng.uniform(0.8, 1.0, n), rng.uniform(0, 0.5, n))
    a.post_count[stories] = rng.integers(1, 20, int(stories.sum()))
    s = label == SELLER
    a.age_band[s] = AGE_ADULT
    a.account_age_days[s] = (horizon - created[s]) / DAY
    story = s & (rng.random(n) < 0.7)
    a.stories_ratio[story] = rng.uniform(0.85, 1.0, int(story.sum()))
    a.post_count[story] = rng.integers(1, 15, int(story.sum()))
    fac = label == FACILITATOR
    a.post_count[fac] = rng.integers(0, 4, int(fac.sum()))  # few posts of their own
    return a


def add_cohort(
    cfg: PlantConfig,
    adj: sp.csr_matrix,
    label: npt.NDArray[np.int8],
    attrs: NodeAttributes,
    fol: Follows,
    seeds: IntArray,
    signals: dict[str, npt.NDArray[np.float64]],
    domain: IntArray | None = None,
) -> IntArray:
    """A cohort that joined together (a school class, a club moving platforms): a dense circle of ordinary
    accounts, all new, most posting only stories, no code word. Every profile trait a seller cell shows,
    shared along real friendships. Drawn from its own random stream (``cfg.seed`` + 1), so the rest of
    the world is the same with or without it. With ``cohort_term_share`` its members also use a hobby word
    that is on the lexicon (then every signal Bastion reads says "cell"), and with ``cohort_site_share``
    that many link one site they hold together (``domain``, each account's link domain, is updated in
    place, and the ``shared_link`` signal with it). Seeds stay out of it (a clean world's false seeds are
    plain ordinary accounts)."""
    if cfg.cohort <= 0:
        return np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(cfg.seed + 1)
    deg = np.diff(adj.indptr)
    eligible = (label[: adj.shape[0]] == ORDINARY) & _not_hubs(deg)
    eligible[seeds[seeds < len(eligible)]] = False
    pool = np.flatnonzero(eligible)
    if not len(pool):
        return np.zeros(0, dtype=np.int64)
    group = np.zeros(0, dtype=np.int64)
    for _ in range(COHORT_TRIES):  # a start in a small component (a pair of co-authors) grows no class
        other = _grow(adj, eligible, int(rng.choice(pool)), cfg.cohort)
        group = other if len(other) > len(group) else group
        if len(group) >= cfg.cohort:
            break
    k = len(group)
    missing = int(cfg.community_density * k * (k - 1) / 2)
    if k >= 2 and missing > 0:
        a, b = rng.choice(group, size=missing), rng.choice(group, size=missing)
        ok = a != b
        _mutual_follows(rng, cfg, 2, fol, a[ok], b[ok])
    attrs.account_age_days[group] = rng.uniform(1, 80, k)
    stories = group[rng.random(k) < 0.7]
    attrs.stories_ratio[stories] = rng.uniform(0.85, 1.0, len(stories))
    attrs.post_count[stories] = rng.integers(1, 15, len(stories))
    if cfg.cohort_term_share > 0 and TERM_MATCH in signals:  # the circle's hobby word is on the lexicon
        said = group[rng.random(k) < cfg.cohort_term_share]
        signals[TERM_MATCH][said] = np.maximum(signals[TERM_MATCH][said], rng.uniform(0.3, 0.6, len(said)))
    label[group] = COHORT
    if cfg.cohort_joined_days > 0:
        _joined_together(cfg, adj, group, fol, len(label))
    if cfg.cohort_site_share > 0 and domain is not None and SHARED_LINK in signals:
        site = group[rng.random(k) < cfg.cohort_site_share]
        domain[site] = int(domain.max()) + 1
        signals[SHARED_LINK] = shared_link_strength(domain)
    return group


def _joined_together(cfg: PlantConfig, adj: sp.csr_matrix, group: IntArray, fol: Follows, n: int) -> None:
    """The cohort arrived together (a class, a club moving platforms): its members follow each other within
    ``cohort_joined_days`` of one day, and ``COHORT_CLUBS`` ordinary accounts (the club's, a teacher's)
    within two days of it. Its own stream (``cfg.seed``, 5)."""
    rng = np.random.default_rng([cfg.seed, 5])
    start = int(rng.integers(0, fol.horizon // 2))
    among = np.zeros(n, dtype=bool)
    among[group] = True
    fol.retime(among, start, cfg.cohort_joined_days, rng)
    deg = np.diff(adj.indptr)
    outside = np.flatnonzero(_not_hubs(deg) & ~among[: adj.shape[0]])
    clubs = rng.choice(outside, size=min(COHORT_CLUBS, len(outside)), replace=False)
    a, b = np.repeat(group, len(clubs)), np.tile(clubs, len(group))
    fol.add(a, b, start + rng.integers(0, 2 * DAY, len(a)))
