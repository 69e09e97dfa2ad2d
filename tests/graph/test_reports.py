"""Reports as evidence: the share of what an account received that is reports, by credible reporters,
read against this platform's own share (``reports.py``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from bastion.graph import GraphBuilder
from bastion.graph.container import AccountGraph
from bastion.graph.reports import ReportEvidence, report_evidence
from support.platforms import with_quiet_follows


def test_mass_reporters_are_discounted_and_popular_accounts_read_by_share() -> None:
    b = GraphBuilder("t")
    for k in range(3):
        b.add_report(f"witness{k}", "small")
    for k in range(6):  # past the knees too, with twice the witnesses: still ranked above "small"
        b.add_report(f"witness{k}", "smaller")
    for k in range(60):
        b.add_report("campaigner", f"stranger{k}")
    for k in range(400):
        b.add_follow(f"fan{k}", "celebrity")
    for k in range(3):
        b.add_report(f"viewer{k}", "celebrity")
    with_quiet_follows(b, reports=72)
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None
    i = g.index
    assert 0.95 < rep.strength[i["small"]] < rep.strength[i["smaller"]] < 1.0
    assert rep.strength[i["stranger0"]] < 0.3
    assert rep.strength[i["celebrity"]] < 0.5 * rep.strength[i["small"]]
    assert rep.credibility[i["campaigner"]] < 0.25


def test_reporters_who_report_together_count_about_once() -> None:
    """A brigade of ten reporting the same thirty people weighs about one witness for each of them, not
    ten; ten independent witnesses of one account weigh ten; witnesses who met the same two or three
    accounts (a network's victims) are not a brigade and count in full."""
    b = GraphBuilder("t")
    for k in range(10):
        for v in range(30):
            b.add_report(f"brigader{k}", f"victim{v}")
        b.add_report(f"witness{k}", "reported")
    for k in range(3):  # three victims who each met the same two sellers
        b.add_report(f"met{k}", "seller1")
        b.add_report(f"met{k}", "seller2")
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None
    i = g.index
    alone = rep.credibility[i["brigader0"]]
    assert rep.weighted[i["victim0"]] == pytest.approx(alone, rel=0.01)  # ten as one
    assert rep.weighted[i["reported"]] == pytest.approx(10.0)
    assert rep.weighted[i["seller1"]] == pytest.approx(3.0)
    assert rep.echoed[i["victim0"]] == 10 and rep.echoed[i["reported"]] == 0
    assert rep.strength[i["victim0"]] < 0.5 * rep.strength[i["reported"]]
    assert "10 of them report many of the same accounts" in rep.words(i["victim0"])


def test_reports_others_made_independently_are_no_mass_reporting() -> None:
    """Members of a trading platform who each flag the scammers they dealt with: a flagger's thirty
    reports, each also made by another member who flags different accounts besides, weigh as a witness's;
    a grudge reporter's thirty strangers, reported by no one else, and a brigade's thirty, reported by ten
    who report them all together (echoes, not witnesses), still count as mass reporting."""
    b = GraphBuilder("t")
    for v in range(30):
        b.add_report("flagger", f"scammer{v}")
        b.add_report(f"trader{v}", f"scammer{v}")  # met that one scammer, and reported it too
        b.add_report("grudge", f"stranger{v}")
        for k in range(10):
            b.add_report(f"brigader{k}", f"victim{v}")
    with_quiet_follows(b, reports=390)
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None
    i = g.index
    assert rep.credibility[i["flagger"]] == 1.0
    assert rep.credibility[i["grudge"]] == pytest.approx(np.sqrt(3 / 30))
    assert rep.credibility[i["brigader0"]] == pytest.approx(np.sqrt(3 / 30))
    assert rep.weighted[i["scammer0"]] == pytest.approx(2.0)
    assert rep.strength[i["stranger0"]] < 0.5 * rep.strength[i["scammer0"]]


def test_report_concentration_is_read_against_the_platforms_own_share() -> None:
    """A trader with three disputes among fifty ratings: where reports are rare, that share (6%) is a full
    concentration; where every trader has as many (a trading platform), it is routine and far from full,
    while a scammer whose attention is mostly reports stays at full strength."""

    def platform(traders: int) -> tuple[float, float]:
        def scammer(b: GraphBuilder) -> None:
            for k in range(4):
                b.add_follow(f"mark{k}", "scammer")
                b.add_report(f"victim{k}", "scammer")

        strength = _trading_platform(traders, scammer)
        return strength("trader0"), strength("scammer")

    rare_trader, rare_scammer = platform(traders=1)
    routine_trader, routine_scammer = platform(traders=200)
    assert rare_trader > 0.9 and rare_scammer > 0.9
    assert routine_trader < 0.7 < 0.9 < routine_scammer


def test_where_reports_are_routine_one_report_among_few_ratings_is_as_many_as_there_can_be() -> None:
    """A newcomer with one report among its three ratings, and an established trader with twelve among
    ninety-two. On a trading platform (200 traders with routine disputes), full concentration at the
    newcomer's volume would be under one report, so its one report counts in full and it ranks above the
    trader (as the plain share of negative ratings ranks them, and a trading platform's own raters do);
    where reports are rare, one report is still one person's word and stays under full strength."""

    def platform(traders: int) -> tuple[float, float]:
        def two(b: GraphBuilder) -> None:
            for k in range(2):
                b.add_follow(f"buyer{k}", "newcomer")
            b.add_report("victim", "newcomer")
            for k in range(80):
                b.add_follow(f"customer{k}", "established")
            for k in range(12):
                b.add_report(f"disputer{k}", "established")

        strength = _trading_platform(traders, two)
        return strength("newcomer"), strength("established")

    rare_newcomer, _ = platform(traders=0)
    routine_newcomer, routine_established = platform(traders=200)
    assert rare_newcomer < 0.6
    assert routine_newcomer > 0.9 > routine_established


def test_where_reports_are_routine_a_member_who_reports_many_is_no_campaign() -> None:
    """On a trading platform (a hundred traders, each rated by twenty clients, three of them in a dispute:
    a seventh of the accounts report someone) a member who rated thirty newcomers negatively, each of them
    with one other counterparty, is an active trader: its reports count in full, and the newcomers rank
    above a trader's routine disputes, as the plain share of negative ratings and a trading platform's own
    heavy raters rank them (discounted, they fell below both on Bitcoin OTC). Among the quiet follows of a
    social platform, where few report, the same member reports as a campaign would."""

    def newcomers(b: GraphBuilder) -> None:
        for k in range(30):
            b.add_follow(f"counterparty{k}", f"newcomer{k}")
            b.add_report("active", f"newcomer{k}")

    def platform(quiet: bool) -> tuple[float, float]:
        rep, g = _marketplace(newcomers, quiet)
        assert rep.routine is not quiet
        return float(rep.strength[g.index["newcomer0"]]), float(rep.strength[g.index["trader0"]])

    routine_newcomer, routine_trader = platform(quiet=False)
    rare_newcomer, _ = platform(quiet=True)
    assert routine_newcomer > 0.7 > 0.6 > routine_trader
    assert rare_newcomer < 0.3


def test_past_full_strength_the_share_of_reports_ranks_not_their_count() -> None:
    """On a trading platform, a newcomer whose only two ratings are reports ranks above a trader that
    fourteen accounts reported among thirty ratings: both are past full strength, and there the account
    whose attention is most reports ranks first, as the plain share of negative ratings ranks them (on
    Bitcoin OTC a heavy rater's scammers with one to three reports among few ratings fell below traders
    with many reports among many while the part past the knee still rose with the count)."""

    def two(b: GraphBuilder) -> None:
        for k in range(2):
            b.add_report(f"victim{k}", "newcomer")
        for k in range(16):
            b.add_follow(f"fan{k}", "busy")
        for k in range(14):
            b.add_report(f"critic{k}", "busy")

    rep, g = _marketplace(two, quiet=False)
    assert rep.strength[g.index["newcomer"]] > rep.strength[g.index["busy"]] > 0.9


def test_a_few_reporters_do_not_make_reporting_routine_however_much_they_report() -> None:
    """Three members who each report a hundred strangers on a platform that sends little attention (a chat
    server's invites): the reports are most of what accounts receive, but three reporters among five hundred
    accounts are a campaign, not members rating counterparties, and are discounted as mass reporters."""
    b = GraphBuilder("t")
    for k in range(500):
        b.add_follow(f"member{k}", f"member{(k + 7) % 500}")
    for r in range(3):
        for v in range(100):
            b.add_report(f"campaigner{r}", f"member{(37 * r + v) % 500}")
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None and not rep.routine
    assert rep.credibility[g.index["campaigner0"]] < 0.25


def _marketplace(add: Callable[[GraphBuilder], None], quiet: bool) -> tuple[ReportEvidence, AccountGraph]:
    """Report evidence on a platform of a hundred traders, each rated by twenty clients, three of them in a
    dispute (a seventh of the accounts report someone: reporting is routine), with the accounts ``add``
    adds; ``quiet``: among a social platform's quiet follows, where few report."""
    b = _traders(100, clients=20)
    add(b)
    if quiet:
        with_quiet_follows(b, reports=330)
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None
    return rep, g


def _trading_platform(traders: int, add: Callable[[GraphBuilder], None]) -> Callable[[str], float]:
    """Report strength by account on a platform of ``traders`` traders, each with three disputes among fifty
    ratings, the accounts ``add`` adds, and 2,000 accounts in a chain, reported by no one."""
    b = _traders(traders, clients=50)
    add(b)
    for k in range(2_000):
        b.add_follow(f"user{k}", f"user{(k + 1) % 2_000}")
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None
    return lambda account: float(rep.strength[g.index[account]])


def _traders(traders: int, clients: int) -> GraphBuilder:
    """A platform of ``traders`` traders, each rated by ``clients`` clients, three of them in a dispute."""
    b = GraphBuilder("t")
    for t in range(traders):
        for k in range(clients):
            b.add_follow(f"client{t}_{k}", f"trader{t}")
        for k in range(3):
            b.add_report(f"client{t}_{k}", f"trader{t}")
    return b


def test_reports_given_only_for_spam_are_said_so_and_are_no_report_of_this_harm() -> None:
    """A promo account reported by three users, each for spam, and a seller reported by one for spam and
    two for another reason: the dossier says which were for spam, and only the seller has a report of this
    harm (what ``netbuild`` lets stand for a network)."""
    from bastion.graph.reports import SPAM_REPORT_WEIGHT

    b = GraphBuilder("t")
    for k in range(3):
        b.add_report(f"user{k}", "promo", SPAM_REPORT_WEIGHT)
    b.add_report("user0", "seller", SPAM_REPORT_WEIGHT)
    b.add_report("user1", "seller")
    b.add_report("user2", "seller")
    with_quiet_follows(b, reports=5)
    g = b.build()
    rep = report_evidence(g)
    assert rep is not None
    promo, seller = g.index["promo"], g.index["seller"]
    assert rep.harm_share[promo] == 0 and np.isclose(rep.harm_share[seller], 2 / (2 + SPAM_REPORT_WEIGHT))
    assert "all of them counted in part (reports for spam" in rep.words(promo)
    assert "1 of them counted in part" in rep.words(seller)
    assert rep.strength[promo] < rep.strength[seller]
