"""The planted benchmark world really has the behaviours issue 12 asks for (realistic defaults)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bastion.graph.container import (
    FOLLOW,
    FOLLOW_REC,
    INTERACTION,
    LAYERS,
    MESSAGE,
    RECOMMENDATION,
    REPORT,
    SHARE,
)
from bastion.graph.plant import (
    BUYER,
    COMMUNITY,
    CURIOUS,
    NETWORK_LABELS,
    ORDINARY,
    PULLED,
    SELLER,
    PlantConfig,
    Planted,
    plant,
)
from bastion.graph.plant_events import DAY
from bastion.graph.signals import BLOCKED_SEARCH, TERM_MATCH

from .conftest import BlockModel

#: Layers that tie two accounts (what the recommender showed someone is not a tie between them).
TIES = tuple(k for k in LAYERS if k != RECOMMENDATION)
CFG = PlantConfig(sellers=80, buyers=30, cells=4, decoys=20, seed=3)


@pytest.fixture(scope="module")
def base(make_block_model: BlockModel) -> tuple[np.ndarray, np.ndarray, int]:
    src, dst, _ = make_block_model(600, 6, 0.1, 0.004, seed=2)
    return src, dst, 600


@pytest.fixture(scope="module")
def world(base: tuple[np.ndarray, np.ndarray, int]) -> Planted:
    return plant(*base, CFG)


def _any_edge(p: Planted, layers: tuple[str, ...] = LAYERS) -> sp.csr_matrix:
    total = sum((p.graph.layer(k) for k in layers), sp.csr_matrix((p.graph.n, p.graph.n)))
    return (total + total.T).tocsr()


def _in_cell_burst_share(p: Planted) -> float:
    """Share of in-cell seller follows made within two days of the cell's first account's creation."""
    ft = p.graph.follow_times
    assert ft is not None
    c = p.cell
    inside = (c[ft.src] >= 0) & (c[ft.src] == c[ft.dst])
    first = {k: ft.t[inside & (c[ft.src] == k)].min() for k in np.unique(c[c >= 0])}
    start = np.array([first[k] for k in c[ft.src[inside]]])
    return float(np.mean(ft.t[inside] - start < 2 * DAY))


def test_seller_follows_spread_evenly_unless_burst_asked(base: tuple[np.ndarray, np.ndarray, int]) -> None:
    even = _in_cell_burst_share(plant(*base, CFG))
    bursty = _in_cell_burst_share(plant(*base, PlantConfig(sellers=80, buyers=30, cells=4, burst=1.0)))
    assert even < 0.1
    assert bursty > 0.9


def test_separate_networks_have_no_ties(world: Planted) -> None:
    assert world.networks >= 2
    members = np.flatnonzero(world.network >= 0)
    assert set(world.label[members]) <= set(NETWORK_LABELS)
    assert set(world.label[world.network < 0]).isdisjoint(NETWORK_LABELS)
    coo = _any_edge(world, TIES)[members][:, members].tocoo()
    net = world.network[members]
    assert coo.nnz > 0
    assert np.array_equal(net[coo.row], net[coo.col])


def test_innocent_community_is_dense_uses_the_word_and_never_touches_the_networks(world: Planted) -> None:
    comm = np.flatnonzero(world.label == COMMUNITY)
    assert CFG.community_min <= len(comm) <= CFG.community_max
    f = world.graph.layer(FOLLOW)
    inside = f[comm][:, comm]
    assert inside.nnz / (len(comm) * (len(comm) - 1)) >= CFG.community_density * 0.9
    term = world.graph.signal(TERM_MATCH)[comm]
    assert (term > 0).mean() >= 0.4
    assert term.max() < 0.7  # moderate
    assert _any_edge(world, TIES)[comm][:, world.network >= 0].nnz == 0
    assert _any_edge(world)[comm][:, world.label == SELLER].nnz == 0  # not even shown them


def test_silent_sellers_non_searching_buyers_and_curious_searchers(world: Planted) -> None:
    term = world.graph.signal(TERM_MATCH)
    search = world.graph.signal(BLOCKED_SEARCH)
    assert 0.25 <= (term[world.label == SELLER] == 0).mean() <= 0.65
    assert (search[world.label == BUYER] > 0).mean() < 0.5
    curious = world.label == CURIOUS
    assert curious.sum() >= 5
    assert (search[curious] > 0).all() and (term[curious] == 0).all()


def test_reports_fill_the_layer_and_the_signal_as_the_loader_would(world: Planted) -> None:
    rep = world.graph.layer(REPORT)
    assert rep.nnz > 0
    total = np.asarray(rep.sum(axis=0)).ravel()
    assert world.graph.signal(REPORT) == pytest.approx(np.where(total > 0, 1 - 0.5**total, 0.0))
    sellers = np.flatnonzero(world.label == SELLER)
    reported = sellers[total[sellers] > 0]
    assert len(reported) >= 5
    met = (world.graph.layer(FOLLOW) + world.graph.layer(INTERACTION)).T.tocsr()
    coo = rep[:, reported].tocoo()
    assert all(met[reported[c], r] > 0 for r, c in zip(coo.row, coo.col, strict=True))  # reporters met them
    per_reporter = np.diff(rep.indptr)
    mass = np.flatnonzero(per_reporter >= CFG.bad_faith_targets // 2)
    assert len(mass) >= 1
    targets = rep[mass].indices
    assert set(world.label[targets]).isdisjoint(NETWORK_LABELS)


def test_clean_mode_has_no_network_and_five_ordinary_seeds(base: tuple[np.ndarray, np.ndarray, int]) -> None:
    p = plant(*base, PlantConfig(clean=True, seed=4))
    assert not np.isin(p.label, NETWORK_LABELS).any() and (p.network == -1).all()
    idx = p.graph.indices(p.seeds)
    assert len(idx) == 5 and (p.label[idx] == ORDINARY).all()
    assert (p.graph.signal(REPORT)[idx] > 0).all()  # wrongly reported
    assert (p.label == COMMUNITY).sum() >= CFG.community_min


def test_same_seed_same_world(base: tuple[np.ndarray, np.ndarray, int], world: Planted) -> None:
    again = plant(*base, CFG)
    for k in LAYERS:
        assert (world.graph.layer(k) != again.graph.layer(k)).nnz == 0, k
    assert world.graph.follow_times is not None and again.graph.follow_times is not None
    assert np.array_equal(world.graph.follow_times.t, again.graph.follow_times.t)
    for k, v in world.graph.signals.items():
        assert np.array_equal(v, again.graph.signal(k)), k
    assert world.seeds == again.seeds and np.array_equal(world.label, again.label)
    other = plant(*base, PlantConfig(sellers=80, buyers=30, cells=4, decoys=20, seed=4))
    assert not np.array_equal(world.label, other.label)


def test_sellers_follow_popular_accounts_and_recommendations_pull_users_in() -> None:
    rng = np.random.default_rng(0)  # a heavy-tailed substrate, where "popular" means something
    w = np.arange(1, 1001) ** -0.8
    a, b = rng.choice(1000, 6000, p=w / w.sum()), rng.integers(0, 1000, 6000)
    world = plant(a[a != b], b[a != b], 1000, CFG)
    f = world.graph.layer(FOLLOW)
    degree = np.bincount(np.concatenate([a, b]), minlength=1000)
    sellers = np.flatnonzero(world.label == SELLER)
    camo = f[sellers][:, :1000].tocoo().col
    camo = camo[world.network[camo] < 0]
    assert len(camo) >= len(sellers) * CFG.camouflage_per_seller * 0.9
    assert degree[camo].mean() > 2 * degree[degree > 0].mean()
    rec = world.graph.layer(FOLLOW_REC).tocoo()
    into_sellers = world.label[rec.col] == SELLER
    assert into_sellers.sum() >= (world.label == PULLED).sum() * 0.9
    assert set(world.label[rec.row[into_sellers]]) == {PULLED}  # buyers seek sellers out themselves
    assert (~into_sellers).sum() > rec.nnz / 2  # most recommended follows are ordinary ones


def test_ordinary_accounts_talk_too(world: Planted) -> None:
    """Interactions, re-shares and messages are not a tell of network membership."""
    ordinary = ~np.isin(world.label, NETWORK_LABELS)
    for layer in (INTERACTION, SHARE, MESSAGE):
        coo = world.graph.layer(layer).tocoo()
        both = ordinary[coo.row] & ordinary[coo.col]
        assert both.sum() > 0.5 * coo.nnz, layer


def test_a_cohort_is_new_mostly_stories_dense_and_leaves_the_rest_of_the_world_as_it_was(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    from dataclasses import replace

    from bastion.graph.plant import COHORT

    with_cohort = plant(*base, replace(CFG, cohort=30))
    c = np.flatnonzero(with_cohort.label == COHORT)
    assert 20 <= len(c) <= 30 and (world.label[c] == ORDINARY).all()
    attrs = with_cohort.graph.attrs
    assert attrs is not None and (attrs.account_age_days[c] < 90).all()
    assert (attrs.stories_ratio[c] >= 0.85).mean() >= 0.3  # 70% drawn; ordinary accounts: 5%
    inside = _any_edge(with_cohort)[c][:, c]
    assert inside.nnz / (len(c) * (len(c) - 1)) >= 0.2  # a circle of friends
    rest = with_cohort.label != COHORT
    assert np.array_equal(with_cohort.label[rest], world.label[rest]) and with_cohort.seeds == world.seeds
    for k, v in world.graph.signals.items():
        assert np.array_equal(v, with_cohort.graph.signal(k)), k


def test_a_cohort_grows_to_its_size_where_many_accounts_sit_in_small_components(
    base: tuple[np.ndarray, np.ndarray, int],
) -> None:
    """A third of the platform in pairs that know no one else (co-authors of one paper, two friends who
    joined together): a cohort started in a pair cannot grow, and it is started again elsewhere."""
    from dataclasses import replace

    from bastion.graph.plant import COHORT

    src, dst, n = base
    pairs = np.arange(n, n + 300)
    src, dst = np.concatenate([src, pairs[0::2]]), np.concatenate([dst, pairs[1::2]])
    for seed in range(6):
        p = plant(src, dst, n + 300, replace(CFG, cohort=30, seed=seed))
        assert int((p.label == COHORT).sum()) == 30, seed


def test_a_cohort_can_also_use_a_word_on_the_lexicon(base: tuple[np.ndarray, np.ndarray, int]) -> None:
    from dataclasses import replace

    from bastion.graph.plant import COHORT

    worded = plant(*base, replace(CFG, cohort=30, cohort_term_share=1.0))
    c = worded.label == COHORT
    assert c.any() and (worded.graph.signal(TERM_MATCH)[c] >= 0.3).all()


def test_where_following_is_one_way_friends_follow_back_at_the_share_asked(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """A photo app's friendships: ordinary ties followed back at ``follow_back_share`` (every one by
    default), the rest of the world (labels, signals, seeds, the networks' own follows) as it was."""
    from dataclasses import replace

    follow = world.graph.layer(FOLLOW)
    ordinary = np.isin(world.label, (ORDINARY, COMMUNITY))
    both = sp.csr_matrix(follow.multiply(follow.T))[ordinary][:, ordinary]
    ties = sp.csr_matrix(follow + follow.T)[ordinary][:, ordinary]
    assert both.nnz == ties.nnz > 0  # the default world: every friendship followed back
    one_way = plant(*base, replace(CFG, follow_back_share=0.3))
    f = one_way.graph.layer(FOLLOW)
    both = sp.csr_matrix(f.multiply(f.T))[ordinary][:, ordinary]
    ties = sp.csr_matrix(f + f.T)[ordinary][:, ordinary]
    assert 0.25 <= both.nnz / ties.nnz <= 0.35  # pairs followed both ways, of the pairs tied
    assert np.array_equal(one_way.label, world.label) and one_way.seeds == world.seeds
    for k, v in world.graph.signals.items():
        assert np.array_equal(v, one_way.graph.signal(k)), k
    sellers = np.flatnonzero(world.label == SELLER)
    assert (f[sellers] != follow[sellers]).nnz == 0  # the networks' follows are their own


def _ordinary_before(changed: Planted, world: Planted, label: int, count: int) -> np.ndarray:
    """The ``count`` accounts labelled ``label`` in ``changed``: ordinary in ``world``, whose every other
    label and seed ``changed`` keeps."""
    who = np.flatnonzero(changed.label == label)
    assert len(who) == count and (world.label[who] == ORDINARY).all()
    rest = changed.label != label
    assert np.array_equal(changed.label[rest], world.label[rest]) and changed.seeds == world.seeds
    return who


def test_flaggers_follow_one_networks_sellers_and_report_some_of_them(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """Users who follow a network to report it: ordinary accounts before, each following sellers of one
    network and reporting the first ones; the rest of the world as it was but for their reports."""
    from dataclasses import replace

    from bastion.graph.plant import FLAGGER
    from bastion.graph.signals import REPORT as REPORTED

    flagged = plant(*base, replace(CFG, flaggers=6, flagger_follows=8, flagger_reports=5))
    who = _ordinary_before(flagged, world, FLAGGER, 6)
    follow, reports = flagged.graph.layer(FOLLOW), flagged.graph.layer(REPORT)
    for i in who:
        extra = np.setdiff1d(follow[i].indices, world.graph.layer(FOLLOW)[i].indices)
        assert len(extra) == 8 and (flagged.label[extra] == SELLER).all()
        assert len(np.unique(flagged.network[extra])) == 1  # one network
        assert len(np.intersect1d(reports[i].indices, extra)) == 5
    for k, v in world.graph.signals.items():
        if k != REPORTED:
            assert np.array_equal(v, flagged.graph.signal(k)), k
    assert (flagged.graph.signal(REPORTED) >= world.graph.signal(REPORTED)).all()


def test_journalists_write_to_sellers_they_did_not_report_who_answer_and_follow_back(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """``flagger_writes``: each flagger writes first to that many of the sellers it follows and did not
    report; each answers (a reply) and follows it back, after the flagger's follow."""
    from dataclasses import replace

    from bastion.graph.container import MESSAGE, REPLY
    from bastion.graph.plant import FLAGGER

    talked = plant(*base, replace(CFG, flaggers=6, flagger_follows=8, flagger_reports=3, flagger_writes=4))
    g = talked.graph
    who = np.flatnonzero(talked.label == FLAGGER)
    assert len(who) == 6
    times = g.follow_times
    assert times is not None
    for i in who:
        wrote = np.setdiff1d(g.layer(MESSAGE)[i].indices, world.graph.layer(MESSAGE)[i].indices)
        assert len(wrote) == 4 and (talked.label[wrote] == SELLER).all()
        assert not np.intersect1d(wrote, g.layer(REPORT)[i].indices).size  # its sources, not reported
        for s in wrote:
            assert g.layer(REPLY)[s, i] > 0 and g.layer(FOLLOW)[s, i] > 0
            out = times.t[(times.src == i) & (times.dst == s)].min()
            back = times.t[(times.src == s) & (times.dst == i)].min()
            assert back >= out
    assert not g.layer(REPLY)[who].nnz  # it started every conversation


def test_a_brigade_reports_the_same_members_of_the_community(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """``brigade``: ordinary accounts that each report the same ``brigade_targets`` members of the innocent
    community; the rest of the world as it was but for their reports."""
    from dataclasses import replace

    from bastion.graph.plant import COMMUNITY
    from bastion.graph.signals import REPORT as REPORTED

    brigaded = plant(*base, replace(CFG, brigade=7, brigade_targets=12))
    assert np.array_equal(brigaded.label, world.label) and brigaded.seeds == world.seeds
    added = (brigaded.graph.layer(REPORT) - world.graph.layer(REPORT)).tocsr()
    added.eliminate_zeros()
    who = np.flatnonzero(np.diff(added.indptr))
    assert len(who) == 7 and (world.label[who] == ORDINARY).all()
    victims = np.unique(added.indices)
    assert len(victims) == 12 and (world.label[victims] == COMMUNITY).all()
    assert all(np.array_equal(added[r].indices, victims) for r in who)  # the same twelve each
    for k, v in world.graph.signals.items():
        if k != REPORTED:
            assert np.array_equal(v, brigaded.graph.signal(k)), k


def test_sellers_reach_out_to_targets_who_follow_one_back(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """Users the sellers follow and write to (advertising, grooming): ordinary accounts before, each followed
    by sellers of one network, written to by two, following one back; the rest of the world as it was."""
    from dataclasses import replace

    from bastion.graph.plant import TARGET

    reached = plant(*base, replace(CFG, targets=8, target_followers=4))
    who = _ordinary_before(reached, world, TARGET, 8)
    follow, msg = reached.graph.layer(FOLLOW), reached.graph.layer(MESSAGE)
    for i in who:
        by = follow[:, i].nonzero()[0]
        by = by[reached.label[by] == SELLER]  # (a seller may have followed it as camouflage before)
        assert np.bincount(reached.network[by]).max() >= 4  # four of one network
        assert len(np.intersect1d(follow[i].indices, by)) >= 1  # follows one of them back
        assert len(np.intersect1d(msg[:, i].nonzero()[0], by)) == 2
    for k, v in world.graph.signals.items():
        assert np.array_equal(v, reached.graph.signal(k)), k


def test_follow_backs_come_after_the_follow_they_answer(base: tuple[np.ndarray, np.ndarray, int]) -> None:
    """A seller that follows a buyer back, and a user the sellers reached that follows them back, does so
    after it was followed (detection reads who chose a friendship from the order)."""
    from dataclasses import replace

    from bastion.graph.plant import BUYER, TARGET

    p = plant(*base, replace(CFG, targets=8, target_follows_back=3))
    ft = p.graph.follow_times
    assert ft is not None
    when = {(int(a), int(b)): int(t) for a, b, t in zip(ft.src, ft.dst, ft.t, strict=True)}
    checked = 0
    for (a, b), t in when.items():
        answers = (p.label[a] == SELLER and p.label[b] == BUYER) or (
            p.label[a] == TARGET and p.label[b] == SELLER
        )
        if answers and (b, a) in when:
            assert t >= when[(b, a)], (a, b)
            checked += 1
    assert checked >= 8 * 3


def test_a_cohort_that_joined_together_follows_each_other_and_its_clubs_in_its_first_days(
    base: tuple[np.ndarray, np.ndarray, int],
) -> None:
    """``cohort_joined_days``: every follow inside the cohort within that many days of one day, and every
    member following the same few club accounts within two days of it; no other follow moves."""
    from dataclasses import replace

    from bastion.graph.plant import COHORT

    spread = plant(*base, replace(CFG, cohort=30))
    joined = plant(*base, replace(CFG, cohort=30, cohort_joined_days=7))
    c = joined.label == COHORT
    ft, before = joined.graph.follow_times, spread.graph.follow_times
    assert ft is not None and before is not None
    inside = c[ft.src] & c[ft.dst]
    assert inside.sum() > 30 and np.ptp(ft.t[inside]) <= 7 * DAY
    outside = ~c[ft.src]
    assert np.array_equal(ft.t[outside], before.t[~c[before.src]])
    clubs = np.flatnonzero(np.bincount(ft.dst[c[ft.src] & ~c[ft.dst]], minlength=joined.graph.n) >= c.sum())
    assert len(clubs) == 4
    on_clubs = c[ft.src] & np.isin(ft.dst, clubs)
    t = np.sort(ft.t[on_clubs])  # (one may have followed a club before, as a substrate tie)
    busiest = int((np.searchsorted(t, t + 2 * DAY, side="right") - np.arange(len(t))).max())
    assert busiest >= 4 * c.sum()  # every member, every club, within two days


def test_a_network_that_deals_by_messages_barely_follows_and_answers_what_it_is_written(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """``deal_by_messages``: a cell's sellers follow each other a tenth as often, write first to two
    cell-mates each, who answer, and every buyer writes first to sellers of its network, who answer."""
    from dataclasses import replace

    from bastion.graph.container import REPLY

    dealt = plant(*base, replace(CFG, deal_by_messages=True))
    g, c = dealt.graph, dealt.cell

    def in_cell(p: Planted, layer: str) -> int:
        m = p.graph.layer(layer).tocoo()
        return int(((p.cell[m.row] >= 0) & (p.cell[m.row] == p.cell[m.col])).sum())

    assert in_cell(dealt, FOLLOW) < 0.25 * in_cell(world, FOLLOW)
    sellers = np.flatnonzero(dealt.label == SELLER)
    wrote, answered = g.layer(MESSAGE), g.layer(REPLY)
    for s in sellers:  # conversations with cell-mates, one side answering (both may have written first)
        mates = wrote[s].indices[c[wrote[s].indices] == c[s]]
        assert len(mates) >= 2
        assert all(wrote[m, s] > 0 and answered[m, s] + answered[s, m] > 0 for m in mates)
    for b in np.flatnonzero(dealt.label == BUYER):
        theirs = wrote[b].indices[dealt.label[wrote[b].indices] == SELLER]
        assert len(theirs) >= 2 and (dealt.network[theirs] == dealt.network[b]).all()
        assert all(answered[s, b] > 0 for s in theirs)
    assert not plant(*base, CFG).graph.layer(REPLY).nnz  # the default world has no such replies


def test_wrong_reports_on_a_clubs_worded_members_and_sellers_old_friends(
    base: tuple[np.ndarray, np.ndarray, int], world: Planted
) -> None:
    """``community_wrong_reports``: that many members of the community that use its word gain two reports
    each, from ordinary accounts; ``seller_friends``: each seller gains that many mutual friendships with
    ordinary accounts, the rest of the world as it was."""
    from dataclasses import replace

    reported = plant(*base, replace(CFG, community_wrong_reports=3))
    before, after = world.graph.layer(REPORT), reported.graph.layer(REPORT)
    gained = np.asarray((after - before).sum(axis=0)).ravel()
    hit = np.flatnonzero(gained > 0)
    assert len(hit) == 3 and (gained[hit] == 2).all()
    assert (reported.label[hit] == COMMUNITY).all() and (reported.graph.signals[TERM_MATCH][hit] > 0).all()
    new = (after - before).tocoo()
    assert (reported.label[new.row] == ORDINARY).all()

    friendly = plant(*base, replace(CFG, seller_friends=5))
    follow, old = friendly.graph.layer(FOLLOW), world.graph.layer(FOLLOW)
    mutual = follow.multiply(follow.T) - old.multiply(old.T)
    for s in np.flatnonzero(friendly.label == SELLER):
        friends = mutual[s].indices[mutual[s].data > 0]
        assert (friendly.label[friends] == ORDINARY).sum() >= 5
    assert (friendly.graph.layer(MESSAGE) != world.graph.layer(MESSAGE)).nnz == 0
