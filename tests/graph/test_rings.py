"""Rings of other kinds that show what a seller cell shows (a link domain held together, new accounts,
stories, reports) and are not networks of this harm: a spam ring, a market of shops on one site, a class of
new students who link their university's site."""

from typing import Any

import numpy as np
import pytest

from bastion.graph import detect
from bastion.graph.container import AccountGraph
from bastion.graph.plant import COHORT, PlantConfig, plant
from bastion.graph.reports import SPAM_REPORT_WEIGHT
from bastion.graph.signals import NEW_ACCOUNT, SHARED_LINK, STORIES_ONLY, TERM_MATCH

from .conftest import friend_circles, heavy_tailed


def _circle(
    k: int, seed: int, signals: dict[str, float], reports: tuple[np.ndarray, np.ndarray, np.ndarray] | None
) -> tuple[Any, np.ndarray]:
    """A heavy-tailed platform of 3,000 accounts and a group of ``k`` more (ids 3000 on) that follow each
    other and hold one link domain they alone share, each with ``signals`` at the strengths given;
    ``reports``: (reporter, target, weight), or None."""
    src, dst, n0 = heavy_tailed(3000, 18_000, 1)
    rng = np.random.default_rng(seed)
    group = np.arange(n0, n0 + k)
    ga, gb = np.repeat(group, k), np.tile(group, k)
    inside = ga != gb
    a, b = np.concatenate([src, dst, ga[inside]]), np.concatenate([dst, src, gb[inside]])
    n = n0 + k
    held = {SHARED_LINK: 1.0, **signals}
    arrays = {kind: np.zeros(n) for kind in held}
    for kind, strength in held.items():
        arrays[kind][group] = strength
    graph = AccountGraph.from_arrays(
        "t",
        [f"a{i}" for i in range(n)],
        (a, b),
        follow_times=rng.integers(0, 10**7, len(a)),
        reports=reports,
        signals=arrays,
        shared={SHARED_LINK: (group, np.zeros(k, dtype=np.int64))},
    )
    return graph, group


def _ring(reports: int, weight: float) -> tuple[Any, np.ndarray]:
    """A spam ring: 25 new accounts that post mostly stories, link one promo domain they alone hold, and
    are each reported ``reports`` times at ``weight`` by ordinary accounts."""
    k, rng = 25, np.random.default_rng(1)
    ring = np.arange(3000, 3000 + k)
    filed = (rng.integers(0, 3000, reports * k), np.repeat(ring, reports), np.full(reports * k, weight))
    return _circle(k, 1, {NEW_ACCOUNT: 0.8, STORIES_ONLY: 0.8}, filed)


def test_a_spam_ring_is_not_reported_as_a_network_of_sellers() -> None:
    """Its own evidence is a domain it shares, profile traits and reports whose reason is spam: no evidence
    of this harm, so however far its members pass even odds it is no network (an outside check's spam
    ring of 25 was one network of 19 sellers at 0.97-0.99). Reported for another reason, it is one."""
    graph, ring = _ring(10, SPAM_REPORT_WEIGHT)
    det = detect(graph, [])
    assert (det.score[ring] >= 0.5).mean() > 0.5  # the gate, not the score, keeps it out
    assert det.networks == []
    assert det.reports is not None
    assert "all of them counted in part (reports for spam" in det.reports.words(int(ring[0]))
    graph, ring = _ring(3, 1.0)
    assert [len(n.members) for n in detect(graph, []).networks] == [25]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_friends_of_a_market_whose_shops_link_one_site_are_not_a_network(seed: int) -> None:
    """The new cohort (mostly stories) all link one site they hold together, a market of small shops, in a
    circle of friends: each shop is strong for the one domain and its profile, and each friend of the
    circle was friends with a dozen shops, read as a dozen independent strong members: 10 and 22 were one
    network here (10-137 on ego-facebook, 151-170 in an outside check). Friends holding one domain
    the account does not hold are read with it once (``alike.SameItem.less``): no network, and no one
    passes even odds but the five false seeds (reported, a seed each) and at most one shop."""
    world = plant(
        *friend_circles(30, 100, 1), PlantConfig(clean=True, cohort=40, cohort_site_share=1.0, seed=seed)
    )
    shops = world.label == COHORT
    assert shops.sum() == 40 and (world.graph.shared[SHARED_LINK].getnnz(axis=1)[shops] > 0).all()
    det = detect(world.graph, world.seeds)
    assert det.networks == []
    high = det.score >= 0.5
    high[world.graph.indices(world.seeds)] = False
    assert not high[~shops].any() and high[shops].sum() <= 1


@pytest.mark.parametrize(
    ("accounts", "pairs", "students", "seed"), [(5000, 30_000, 100, 2), (10_000, 80_000, 90, 1)]
)
def test_a_class_of_students_who_link_their_university_is_not_a_network(
    accounts: int, pairs: int, students: int, seed: int
) -> None:
    """New students who joined within a week, all link their university's site, and five in a hundred use
    a slang word on the lexicon. Each is, by its own signals, what a new seller cell is (a domain held
    together, a new account, stories): 79 of 100 were one network of sellers here before the gate (outside,
    20-24 of 200 on github-musae). Those who speak of this harm are too few among those that stand on the
    domain and profile alone (``netbuild.PROFILE_PER_HARM_MAX``): no network, though the score still
    puts a score of them past even odds. (A class of more than ``load.COMMON_DOMAIN_MAX`` holds no tie:
    see the next test.)"""
    world = plant(
        *heavy_tailed(accounts, pairs, 1),
        PlantConfig(
            clean=True,
            cohort=students,
            cohort_site_share=1.0,
            cohort_term_share=0.05,
            cohort_joined_days=7,
            seed=seed,
        ),
    )
    cohort = world.label == COHORT
    assert cohort.sum() == students and (world.graph.shared[SHARED_LINK].getnnz(axis=1)[cohort] > 0).all()
    det = detect(world.graph, world.seeds)
    assert det.networks == []
    assert (det.score[cohort] >= 0.5).sum() >= 20  # the gate, not the score, keeps them out


def test_a_class_larger_than_a_storefront_is_not_tied_by_its_site() -> None:
    """A class of 200 on 10,000 accounts: its university's site is held by more than any cell holds
    (``load.COMMON_DOMAIN_MAX``), so it ties no one and is no one's evidence; before the cap (2% of the
    platform, 200 here) it was one network of 176 without the gate, and 20 or more past even odds with
    it."""
    world = plant(
        *heavy_tailed(10_000, 80_000, 1),
        PlantConfig(
            clean=True,
            cohort=200,
            cohort_site_share=1.0,
            cohort_term_share=0.05,
            cohort_joined_days=7,
            seed=1,
        ),
    )
    cohort = world.label == COHORT
    assert cohort.sum() == 200 and world.graph.shared[SHARED_LINK].getnnz(axis=1)[cohort].max() == 0
    det = detect(world.graph, world.seeds)
    assert det.networks == [] and float(det.score[cohort].max()) < 0.05


def _campaign(report: bool) -> tuple[Any, np.ndarray]:
    """An awareness campaign of 30 established accounts (parents, teachers, a charity) that link the
    charity's site, quote a code word in their warnings and, with ``report``, each report one ordinary
    account for another reason than spam."""
    k = 30
    group = np.arange(3000, 3000 + k)
    filed = (group, np.random.default_rng(2).integers(0, 3000, k), np.ones(k))
    return _circle(k, 2, {TERM_MATCH: 0.9}, filed if report else None)


def test_an_awareness_campaign_that_reports_is_not_a_network() -> None:
    """Its members quote the lexicon's words to warn and report what they find: words of a member that
    files reports (not for spam) do not speak of this harm for the group (``netbuild.WARNER_REPORTS_MIN``;
    an outside check's campaign of 40 was one network of 40 sellers). Its scores stand; without the
    reports it is read as a network, as a seller cell with a code word and a storefront would be."""
    graph, group = _campaign(report=True)
    det = detect(graph, [])
    assert (det.score[group] >= 0.5).mean() > 0.5
    assert det.networks == []
    graph, group = _campaign(report=False)
    assert [len(n.members) for n in detect(graph, []).networks] == [30]
