import json
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bastion.graph import detect, to_export
from bastion.graph.clearances import Clearance, Clearances
from bastion.graph.container import AGE_MINOR, FOLLOW_REC, RECOMMENDATION
from bastion.graph.exposure import exposures
from bastion.graph.model import CELL
from bastion.graph.netbuild import member
from bastion.graph.plant import (
    BUYER,
    COHORT,
    COMMUNITY,
    CURIOUS,
    DECOY,
    FLAGGER,
    NETWORK_LABELS,
    SELLER,
    TARGET,
    PlantConfig,
    Planted,
    plant,
)
from bastion.graph.roles import YOUNG_DAYS
from bastion.graph.signals import SHARED_LINK, all_signals

from .conftest import heavy_tailed


def _net_mask(p: Planted) -> np.ndarray:
    return np.isin(p.label, NETWORK_LABELS)  # facilitators are members too


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_planted_network_found_and_ranked_first(planted: Planted, seeded: bool) -> None:
    det = detect(planted.graph, planted.seeds if seeded else [])
    net = _net_mask(planted)
    size = int(net.sum())
    # precision first: every flagged member below is checked; the ranking may miss a few weak buyers
    assert net[np.argsort(-det.score)[:size]].mean() >= 0.85
    assert det.networks, "no network found"
    members = {planted.graph.index[m.account_id] for n in det.networks for m in n.members}
    assert net[list(members)].mean() >= 0.95
    assert not any(planted.label[i] == DECOY for i in members)


def _with_bystanders(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seeded: bool, label: int, **knobs: int
) -> tuple[Planted, np.ndarray, Any, set[int]]:
    """A planted network with ordinary accounts of one more kind (``label``, planted by ``knobs``): the
    world, those accounts, the detection and the flagged accounts."""
    src, dst, _ = substrate
    world = plant(src, dst, 800, PlantConfig(sellers=60, buyers=15, cells=4, seed=5, **knobs))
    who = np.flatnonzero(world.label == label)
    assert len(who) == next(iter(knobs.values()))
    det = detect(world.graph, world.seeds if seeded else [])
    return world, who, det, {world.graph.index[m.account_id] for n in det.networks for m in n.members}


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_users_who_follow_sellers_to_report_them_are_not_their_buyers(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seeded: bool
) -> None:
    """Ten ordinary accounts each follow 15 sellers of one network and report 10 of them (a trusted
    flagger, a researcher): before, every one of them was flagged as a buyer, at 0.93-1.00 on the real
    graphs. The network is still found."""
    world, flaggers, det, members = _with_bystanders(substrate, seeded, FLAGGER, flaggers=10)
    assert not members & set(flaggers.tolist())
    assert (det.score[flaggers] < 0.5).all()
    assert _net_mask(world)[list(members)].mean() >= 0.95 and len(members) >= 40
    reach = det.association["reach"]
    assert reach.reported is not None and (reach.reported[flaggers] > 0).all()
    assert "it reported" in reach.words(int(flaggers[0]), "chose to contact")
    assert det.cells is not None and float(det.cells.llr[flaggers].max()) == 0.0  # documented, not joined


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_journalists_who_report_a_network_and_talk_with_its_sellers_are_not_in_it(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seeded: bool
) -> None:
    """Ten ordinary accounts each follow 15 sellers of one network, report 5 and write to 5 others, who
    answer and follow back (a journalist and the sources it talks with): friends with strong sellers, but
    each reported seller weighs against its friendships as against its reach. Before, 11 of 15 such
    accounts were flagged on ego-facebook (friends with four strong sellers: +6.0 log-odds), and 10 of 10
    here seeded, 8 seedless."""
    world, journalists, det, members = _with_bystanders(
        substrate, seeded, FLAGGER, flaggers=10, flagger_reports=5, flagger_writes=5
    )
    assert len(members & set(journalists.tolist())) <= 1
    tie = det.association["tie"]
    assert tie.reported is not None and (tie.reported[journalists] > 0).all()
    assert float(np.median(tie.llr[journalists])) == 0.0
    assert "it reported" in tie.words(int(journalists[0]), "friends with")
    assert _net_mask(world)[list(members)].mean() >= 0.95 and len(members) >= 40


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_accounts_reviewers_cleared_stay_out_of_networks_until_something_new(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seeded: bool
) -> None:
    """Ten journalists follow 15 sellers each and write to 5, reporting none: nothing tells them from
    buyers, and most are flagged. Once reviewers cleared them, nothing new since holds them out of
    networks with their scores unchanged, and the network stands; a report since, or a seller it chose to
    follow since, lets one back."""
    world, journalists, det, members = _with_bystanders(
        substrate, seeded, FLAGGER, flaggers=10, flagger_reports=0, flagger_writes=5
    )
    who = set(journalists.tolist())
    assert len(members & who) >= 5  # the problem: as buyers
    g, seeds = world.graph, world.seeds if seeded else []
    sellers = np.flatnonzero(world.label == SELLER)
    strong_seller = int(sellers[np.argmax(det.strong[sellers])])
    assert det.strong[strong_seller]
    j0, j1, j2 = (int(j) for j in journalists[:3])
    g.cleared = Clearances(
        {
            **{int(j): Clearance(1.7e9, "41") for j in journalists},
            j1: Clearance(1.7e9, "41", ("1 report",)),
            j2: Clearance(1.7e9, "41", (), np.array([strong_seller], dtype=np.int64)),
        }
    )
    after = detect(g, seeds)
    kept = {g.index[m.account_id] for n in after.networks for m in n.members}
    assert after.held[journalists].tolist() == [j not in (j1, j2) for j in journalists.tolist()]
    assert not kept & (who - {j1, j2})
    assert {j1, j2} & members <= kept  # back on evidence since, where they were members before
    np.testing.assert_allclose(after.score[journalists], det.score[journalists], atol=0.02)
    assert _net_mask(world)[list(kept)].mean() >= 0.95
    assert len(kept - who) >= len(members - who) - 2  # the network stands
    said = _cleared_text(g, after, j0)
    assert said == "cleared by review on 2023-11-14 (case 41); nothing new since: held out of networks"
    assert _cleared_text(g, after, j1) == "cleared by review on 2023-11-14 (case 41); since then: 1 report"
    assert _cleared_text(g, after, j2).endswith("chose to contact 1 account strong on evidence of its own")


def _cleared_text(g: Any, det: Any, i: int) -> str:
    """The clearance line of account ``i``'s entry, as a dossier or ``bastion explain`` shows it."""
    entry = member(g, i, det, False, [], det.weights.to_json(), flagged=False)
    return next(e.text for e in entry.evidence if e.signal == "cleared")


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_users_the_sellers_reach_out_to_are_not_sellers(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seeded: bool
) -> None:
    """Thirty ordinary users each followed by five sellers of one network and written to by two (they
    advertise to them, or groom them), following one back: being contacted is not a choice, so none of
    them is tied to the network; before, up to 8 of them were flagged as sellers on the real graphs and 3
    here. One whose five sellers are all of one small cell may still be drawn into that cell's tight group
    (a limit: the group search reads ties either way)."""
    world, targets, det, members = _with_bystanders(substrate, seeded, TARGET, targets=30)
    assert len(members & set(targets.tolist())) <= 1
    assert float(det.association["tie"].llr[targets].max()) < 0.5  # a real friend may be a seller
    assert _net_mask(world)[list(members)].mean() >= 0.95 and len(members) >= 40


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_users_who_follow_back_every_seller_that_reaches_them_are_not_sellers(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seeded: bool
) -> None:
    """The same thirty users, each following back all five sellers that followed it (a teenager's
    follow-for-follow habit, an auto-follow tool): friends with five strong accounts, but every one of
    those friendships was the sellers' choice. Before follow-backs counted only as far as an account chose
    strong accounts first, 173 of 240 such users were flagged as sellers on the real graphs."""
    world, targets, det, members = _with_bystanders(
        substrate, seeded, TARGET, targets=30, target_follows_back=5
    )
    assert len(members & set(targets.tolist())) <= 1
    tie = det.association["tie"]
    assert tie.answered is not None and np.median(tie.answered[targets]) >= 1.0  # strength-weighted
    assert float(np.median(det.association["reach"].count[targets])) < 1.0
    assert _net_mask(world)[list(members)].mean() >= 0.95 and len(members) >= 40
    # drawn into the sellers' tight groups by their follows, not by its own: no cell evidence either
    assert det.cells is not None and float(det.features["cell"][targets].max()) == 0.0


def test_roles_match_ground_truth(planted: Planted) -> None:
    det = detect(planted.graph, planted.seeds)
    got = {planted.graph.index[m.account_id]: m.role for n in det.networks for m in n.members}
    truth = {SELLER: "seller", BUYER: "buyer"}
    pairs = [(r, truth[planted.label[i]]) for i, r in got.items() if planted.label[i] in truth]
    assert np.mean([a == b for a, b in pairs]) >= 0.75
    seller = next(m for n in det.networks for m in n.members if m.role == "seller")
    assert any("seller role score" in e.text for e in seller.evidence)


def test_clustering_keeps_dense_legit_groups_out(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    src, dst, _ = substrate
    clean = plant(
        src,
        dst,
        800,
        PlantConfig.legacy(sellers=0, buyers=0, cells=1, decoys=20, pulled=1, camouflage="none"),
    )
    assert detect(clean.graph, []).networks == []


def test_export_format_and_exposure(planted: Planted) -> None:
    det = detect(planted.graph, planted.seeds)
    out = json.loads(json.dumps(to_export(det.networks)))
    net = out[0]
    assert set(net) >= {"network_id", "score", "members"}
    m = net["members"][0]
    assert set(m) == {"account_id", "platform", "role", "score", "evidence"}
    assert m["role"] in {"seller", "buyer", "facilitator", "unknown"}
    assert all("signal" in e and "text" in e for e in m["evidence"])
    exp = det.networks[0].exposure
    assert exp is not None and exp.follows_from_recommendation > 0
    assert exp.impressions >= exp.minor_impressions and exp.viewers >= exp.minor_viewers


def test_dense_blocks_still_feed_roles_and_evidence(planted: Planted) -> None:
    """Dense has no share of the default ranking score (bench ablation, round 5), but it must keep running.

    Its blocks are the structure evidence behind the seller role and contact.py's seller-evidence gate, and
    a reviewer reads them in the dossier; a weight change must not silently switch that off.
    """
    from bastion.graph.roles import role_scores

    det = detect(planted.graph, planted.seeds)
    dense = det.results["dense"]
    assert dense.scores.max() > 0
    texts = [e.text for n in det.networks for m in n.members for e in m.evidence]
    assert any("dense block" in t for t in texts)
    results = {**det.results, "dense": replace(dense, scores=np.zeros_like(dense.scores))}
    z = np.zeros(planted.graph.n)
    with_dense = role_scores(planted.graph, all_signals(planted.graph), det.score, z, z, det.results)
    without = role_scores(planted.graph, all_signals(planted.graph), det.score, z, z, results)
    assert not np.allclose(without.seller, with_dense.seller)


def test_same_input_same_networks_and_scores(planted: Planted) -> None:
    a = detect(planted.graph, planted.seeds)
    b = detect(planted.graph, planted.seeds)
    assert np.array_equal(a.score, b.score)
    assert [n.to_json() for n in a.networks] == [n.to_json() for n in b.networks]


def test_wrong_seeds_on_a_clean_platform_flag_nobody(substrate: tuple[np.ndarray, ...]) -> None:
    """Five ordinary accounts reported as seeds: an assertion each, no network around them."""
    src, dst, _ = substrate
    clean = plant(src, dst, 800, PlantConfig(sellers=0, buyers=0, decoys=40, seed=3))
    seeds = clean.graph.ids[:5]
    det = detect(clean.graph, seeds)
    assert det.networks == []
    assert (det.score >= 0.5).sum() == 0
    assert det.score[clean.graph.indices(seeds)].max() < 0.5


def test_scores_are_probabilities_not_clipped(planted: Planted) -> None:
    det = detect(planted.graph, planted.seeds)
    members = [m for n in det.networks for m in n.members]
    assert all(0.5 <= m.score < 1.0 for m in members)
    assert len({round(m.score, 3) for m in members}) > len(members) // 4  # a reviewer can rank them
    text = next(e.text for e in members[0].evidence if e.signal == "score")
    assert "prior 1 in" in text and "default weights" in text


@pytest.fixture(scope="module")
def realistic(substrate: tuple[np.ndarray, ...]) -> Planted:
    """The realistic default world: even follow times, an innocent code-word community, curious searchers,
    sellers without text, buyers who never search, mass reporters, two networks with no tie between them."""
    src, dst, _ = substrate
    return plant(src, dst, 800, PlantConfig(sellers=60, buyers=15, cells=4, seed=9))


@pytest.mark.parametrize("seeded", [True, False], ids=["seeds", "seedless"])
def test_realistic_world_precision_first_and_networks_apart(realistic: Planted, seeded: bool) -> None:
    det = detect(realistic.graph, realistic.seeds if seeded else [])
    idx = realistic.graph.index
    members = [idx[m.account_id] for n in det.networks for m in n.members]
    assert members, "no network found"
    assert np.isin(realistic.label[members], NETWORK_LABELS).mean() >= 0.95
    assert not np.isin(realistic.label[members], (COMMUNITY, CURIOUS, DECOY)).any()
    for n in det.networks:  # each detected network holds members of one planted network only
        planted_nets = {int(realistic.network[idx[m.account_id]]) for m in n.members} - {-1}
        assert len(planted_nets) <= 1


def test_realistic_clean_world_with_false_seeds_flags_nobody(substrate: tuple[np.ndarray, ...]) -> None:
    src, dst, _ = substrate
    clean = plant(src, dst, 800, PlantConfig(clean=True, seed=4))
    assert len(clean.seeds) == 5
    det = detect(clean.graph, clean.seeds)
    assert det.networks == []
    assert (det.score >= 0.5).sum() <= 1  # at most 0.1% of the platform


@pytest.mark.parametrize("clean", [False, True], ids=["network", "clean"])
def test_where_reporting_is_routine_mass_reporters_still_make_no_one_a_member(
    substrate: tuple[np.ndarray, ...], clean: bool
) -> None:
    """A marketplace where most accounts carry a stray report from another member (reporting is routine,
    so reporting many accounts is not discounted as a campaign: ``reports.py``), with the world's mass
    reporters and, clean, five wrongly reported seeds: reports alone still make no ordinary account a
    member, and the network is found as on a social platform."""
    src, dst, _ = substrate
    cfg = PlantConfig(sellers=60, buyers=15, cells=4, seed=9, report_base_rate=0.7)
    world = plant(src, dst, 800, replace(cfg, clean=True) if clean else cfg)
    det = detect(world.graph, world.seeds)
    assert det.reports is not None and det.reports.routine
    flagged = np.flatnonzero(det.score >= 0.5)
    if clean:
        assert len(flagged) <= 1 and det.networks == []
    else:
        assert np.isin(world.label[flagged], NETWORK_LABELS).mean() >= 0.95
        assert not np.isin(world.label[flagged], (COMMUNITY, CURIOUS, DECOY)).any()


@pytest.mark.parametrize("seed", [4, 6])
def test_a_new_cohort_sharing_a_hobby_word_is_not_a_network(seed: int) -> None:
    """Forty friends who joined together, post mostly stories and (most of them) use a word that is on the
    lexicon: each is strong by the same shared traits, so their ties to each other are not ties to
    independent strong members. Before the circle discount 17-25 of them were flagged as one network."""
    world = plant(
        *heavy_tailed(5000, 30_000, 1), PlantConfig(clean=True, cohort=40, cohort_term_share=0.6, seed=seed)
    )
    assert (world.label == COHORT).sum() == 40
    det = detect(world.graph, world.seeds)
    assert all(len(n.members) <= 5 for n in det.networks)
    assert (det.score >= 0.5).sum() <= 5  # 0.1% of the platform
    tie = det.association["tie"]
    assert tie.within is not None
    i = int(np.argmax(np.where(world.label == COHORT, tie.within, -1.0)))
    assert world.label[i] == COHORT and tie.within[i] >= 1.0  # ties to strong friends that were not counted
    assert "not counted: inside its own circle of friends" in tie.words(i, "contacted by")


@pytest.mark.parametrize("seed", [12, 14])
def test_a_cohort_the_group_search_spreads_over_several_groups_is_not_a_network(seed: int) -> None:
    """Nine in ten of the cohort use the word, and the group search puts the circle in several groups (no
    one group is a circle to discount): each member is tied both ways to many strong friends. A friendship
    between two accounts that show nothing but traits friends share is not a tie to an independent
    strong member (``alike.without_alike_friendships``); before, 25 and 8 of them were one network."""
    world = plant(
        *heavy_tailed(5000, 30_000, 1), PlantConfig(clean=True, cohort=40, cohort_term_share=0.9, seed=seed)
    )
    det = detect(world.graph, world.seeds)
    assert all(len(n.members) <= 5 for n in det.networks)
    assert (det.score >= 0.5).sum() <= 5  # 0.1% of the platform
    assert (det.score[world.label == COHORT] < 0.5).all()


def test_a_cohort_on_a_platform_where_friends_do_not_follow_back_is_not_a_network() -> None:
    """The worded cohort where no friendship is followed back (following is one way, as on a photo app):
    the members' friendships are single follows, and two strong accounts that show nothing but traits
    friends share are friends however they are tied (``alike.without_alike_friendships``); before,
    7 of them were one network."""
    world = plant(
        *heavy_tailed(5000, 30_000, 1),
        PlantConfig(clean=True, cohort=40, cohort_term_share=0.9, seed=19, follow_back_share=0.0),
    )
    det = detect(world.graph, world.seeds)
    assert all(len(n.members) <= 5 for n in det.networks)
    assert (det.score[world.label == COHORT] >= 0.5).sum() <= 1


def test_a_brigade_reporting_a_worded_community_does_not_make_it_a_network() -> None:
    """Ten accounts each report the same thirty members of a community nine in ten of whom use a hobby word
    on the lexicon (a campaign to get them taken down): reporters who report together count about once,
    so the word and the brigade's reports are not two kinds of evidence; before, 13 of them were one
    network here and up to 17 on ego-facebook."""
    world = plant(
        *heavy_tailed(5000, 30_000, 1),
        PlantConfig(clean=True, community_term_share=0.9, brigade=10, seed=10),
    )
    det = detect(world.graph, world.seeds)
    assert det.networks == []
    assert (det.score >= 0.5).sum() == 0
    assert det.reports is not None
    victims = np.flatnonzero(det.reports.echoed >= 10)
    assert len(victims) == 30 and (world.label[victims] == COMMUNITY).all()
    assert "report many of the same accounts" in det.reports.words(int(victims[0]))


@pytest.mark.parametrize("seed", [1, 7])
def test_a_club_whose_members_link_its_site_and_use_its_word_is_not_a_network(seed: int) -> None:
    """Nine in ten of a community use its word (on the lexicon) and a quarter link its club's own site: one
    rarely shared domain its holders hold together, as a seller cell holds a storefront. Each holder's own
    evidence names the domain, so a fellow holder is read, for their tie, without it (``alike.SameItem``);
    before, 12 and 20 of them were flagged here (10 and 17 as one network), and an outside check on
    github-musae flagged 23 of 80 bird watchers as a network of sellers at 0.998. Two members that do not
    link the site still pass even odds with seed 7 (friends with several holders, in a part of the club
    that also posts stories, read as a cell): no network, within the issue's 0.1%."""
    world = plant(
        *heavy_tailed(5000, 30_000, 1),
        PlantConfig(clean=True, community_term_share=0.9, community_site_share=0.25, seed=seed),
    )
    holders = np.flatnonzero(world.graph.shared[SHARED_LINK].getnnz(axis=1) > 0)
    club = holders[world.label[holders] == COMMUNITY]
    assert len(club) >= 10
    det = detect(world.graph, world.seeds)
    assert det.networks == [] and (det.score >= 0.5).sum() <= 5  # 0.1% of the platform
    assert (det.score[club] < 0.5).all()
    tie = det.association["tie"]
    assert tie.shared is not None and (tie.shared[club] > 0).mean() > 0.5
    i = int(club[np.argmax(tie.shared[club])])
    assert "hold the link domain it holds" in tie.words(i, "friends with")


def test_exposures_of_several_networks_match_counting_each_from_outside(planted: Planted) -> None:
    """All networks read at once give what counting each one's viewers from outside it gives."""
    g = planted.graph
    groups = np.array_split(np.flatnonzero(planted.network >= 0), 3)  # three disjoint groups of members
    minor = g.attrs.age_band == AGE_MINOR
    rec, fol = g.layer(RECOMMENDATION).toarray(), g.layer(FOLLOW_REC).toarray() > 0
    for members, got in zip(groups, exposures(g, groups), strict=True):
        outside = ~np.isin(np.arange(g.n), members)
        shown, followed = rec[:, members].sum(axis=1) * outside, fol[:, members].sum(axis=1) * outside
        assert got.impressions == shown.sum() > 0 and got.viewers == (shown > 0).sum()
        assert got.minor_impressions == shown[minor].sum() and got.minor_viewers == (shown[minor] > 0).sum()
        assert got.follows_from_recommendation == followed.sum() > 0
        assert got.minor_follows_from_recommendation == followed[minor].sum()


def test_a_member_drawn_into_a_cell_by_its_members_contacts_is_told_so(planted: Planted) -> None:
    """A flagged account whose group's evidence was not read for it (it followed no group-mate first)
    says so in its dossier, so a reviewer sees it was drawn in, not a cell member."""
    from bastion.graph.model import contributions
    from bastion.graph.netbuild import member

    det = detect(planted.graph, planted.seeds)
    assert det.cells is not None
    i = planted.graph.index[det.networks[0].members[0].account_id]
    group = det.cells.group.copy()
    group[i] = 0
    drawn = np.ones(planted.graph.n, dtype=bool)
    drawn[i] = False
    cells = replace(det.cells, group=group, llr=np.where(np.arange(planted.graph.n) == i, 2.0, 0.0))
    det.cells = cells.read_for(drawn)
    parts = contributions(det.features, det.weights, np.array([i]))[0]
    texts = [e.text for e in member(planted.graph, i, det, False, parts, det.weights.to_json()).evidence]
    assert any("not counted: its members followed it first" in t for t in texts)
    assert not any("log-odds for this account" in t and "tight group" in t for t in texts)


@pytest.mark.parametrize("seed", [5, 7])
def test_buyers_drawn_into_a_cell_are_read_as_its_buyers_and_its_sellers_as_sellers(
    substrate: tuple[np.ndarray, np.ndarray, np.ndarray], seed: int
) -> None:
    """Twice as many buyers as sellers: buyers that follow several sellers of one cell are grouped with it
    and carry its evidence, but show no seller's trait of their own (no signal, not a new stories-only
    profile); the cell says they are inside the network, not that they sell. Every seller in a cell keeps
    the seller role. (Buyers younger than ``roles.YOUNG_DAYS`` lean seller by their age alone, a rule of
    its own: one whose follows all stay inside the group shows no other side and reads as a toss-up.)"""
    src, dst, _ = substrate
    world = plant(src, dst, 800, PlantConfig(sellers=60, buyers=120, cells=4, seed=seed))
    det = detect(world.graph, world.seeds)
    roles = {world.graph.index[m.account_id]: m.role for n in det.networks for m in n.members}
    shows = np.zeros(world.graph.n, dtype=bool)
    for kind in det.names.seller:
        if kind in det.rates and kind in det.signals:
            shows |= det.signals[kind] >= det.rates[kind].present
    in_cell = det.features[CELL] > 0
    established = world.graph.attrs.account_age_days >= YOUNG_DAYS
    drawn = [i for i in roles if world.label[i] == BUYER and in_cell[i] and not shows[i] and established[i]]
    sellers = [i for i in roles if world.label[i] == SELLER and in_cell[i]]
    assert len(drawn) >= 3 and len(sellers) >= 40
    assert all(roles[i] == "buyer" for i in drawn)
    assert all(roles[i] == "seller" for i in sellers)
