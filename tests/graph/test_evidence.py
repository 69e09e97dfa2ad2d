"""The evidence model's parts: base rates, one-hop association, the prior, weights (reports as evidence:
test_reports.py)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bastion.graph import AccountGraph, GraphBuilder
from bastion.graph.association import counted_once, reach_out, strong, tie_in
from bastion.graph.baserate import base_rates, own_evidence
from bastion.graph.contacts import chosen_contacts
from bastion.graph.model import Weights, estimate_prior, sigmoid
from bastion.graph.signals import NEW_ACCOUNT, STORIES_ONLY, TERM_MATCH


def test_a_common_signal_says_less_than_a_rare_one() -> None:
    n = 10_000
    rare, common = np.zeros(n), np.zeros(n)
    rare[:10] = 1.0
    common[:2_000] = 1.0
    r_rare = base_rates({TERM_MATCH: rare}, n)[TERM_MATCH]
    r_common = base_rates({TERM_MATCH: common}, n)[TERM_MATCH]
    assert r_rare.llr > r_common.llr >= 0.0
    assert r_common.absent_llr < 0.0  # most members lack it, so its absence says a little
    ev = own_evidence({TERM_MATCH: rare}, {TERM_MATCH: r_rare}, n)[TERM_MATCH]
    assert ev[0] == pytest.approx(r_rare.llr) and ev[-1] == pytest.approx(r_rare.absent_llr)


def _profile(n: int, together: int, apart: int) -> dict[str, np.ndarray]:
    """``together`` accounts new and posting stories (a cohort), ``apart`` more with one trait each."""
    stories, new = np.zeros(n), np.zeros(n)
    stories[:together] = new[:together] = 1.0
    stories[together : together + apart] = 1.0
    new[together + apart : together + 2 * apart] = 1.0
    return {STORIES_ONLY: stories, NEW_ACCOUNT: new}


def test_profile_traits_a_cohort_shares_count_at_their_joint_rate() -> None:
    """A cohort that joined together and posts stories (and does nothing else) makes the pair common:
    carrying both says what the pair's rate allows, not the sum of two independent facts; where the two
    traits meet by chance only, or on accounts that carry other signals too, the sum stands."""
    n = 10_000
    cohort = _profile(n, together=300, apart=300)
    rates = base_rates(cohort, n)
    ev = own_evidence(cohort, rates, n)
    both = ev[STORIES_ONLY][0] + ev[NEW_ACCOUNT][0]
    alone = rates[STORIES_ONLY].llr + rates[NEW_ACCOUNT].llr
    joint = (300 + 20 * rates[STORIES_ONLY].rate * rates[NEW_ACCOUNT].rate) / (n + 20)
    assert both < alone - 2.0
    assert both == pytest.approx(alone - np.log(joint / (rates[STORIES_ONLY].rate * rates[NEW_ACCOUNT].rate)))
    assert ev[STORIES_ONLY][400] == pytest.approx(rates[STORIES_ONLY].llr)  # one trait alone: untouched
    assert rates[STORIES_ONLY].together > 5.0 and "profile traits" in rates[STORIES_ONLY].words()
    # accounts that carry the pair *and* other signals (members look so) do not make the pair common
    loud = {**cohort, TERM_MATCH: np.where(np.arange(n) < 300, 1.0, 0.0)}
    r_loud = base_rates(loud, n)
    ev_loud = own_evidence(loud, r_loud, n)
    assert r_loud[STORIES_ONLY].together == pytest.approx(1.0, abs=0.05)
    assert ev_loud[STORIES_ONLY][0] + ev_loud[NEW_ACCOUNT][0] == pytest.approx(
        r_loud[STORIES_ONLY].llr + r_loud[NEW_ACCOUNT].llr, abs=0.05
    )
    chance = _profile(n, together=9, apart=300)  # about what independent traits give (3% x 3% of 10,000)
    r2 = base_rates(chance, n)
    ev2 = own_evidence(chance, r2, n)
    assert ev2[STORIES_ONLY][0] + ev2[NEW_ACCOUNT][0] == pytest.approx(
        r2[STORIES_ONLY].llr + r2[NEW_ACCOUNT].llr, abs=0.15
    )


def test_a_signal_nobody_carries_is_mute() -> None:
    r = base_rates({TERM_MATCH: np.zeros(100)}, 100)[TERM_MATCH]
    assert r.absent_llr == 0.0


def _with_sellers(b: GraphBuilder) -> tuple[AccountGraph, np.ndarray, sp.csr_matrix]:
    """``b`` with 200 ordinary accounts in a chain (chance's baseline), built; s1..s3 strong sellers (+5
    log-odds of their own) and everyone's chosen contacts."""
    for k in range(200):
        b.add_follow(f"o{k}", f"o{k + 1}")
    g = b.build()
    seller = np.zeros(g.n)
    seller[g.indices(["s1", "s2", "s3"])] = 5.0
    return g, seller, chosen_contacts(g)


def test_chosen_contacts_weigh_each_channel_by_intent_without_adding_them_up() -> None:
    b = GraphBuilder("t")
    b.add_follow("a", "followed")
    b.add_follow("a", "recommended", source="recommendation")
    b.add_message("a", "written")
    b.add_follow("a", "followed_and_written")
    b.add_message("a", "followed_and_written", count=3.0)
    b.add_interaction("a", "liked", count=4.0)
    b.add_follow("a", "followed_and_liked")
    b.add_interaction("a", "followed_and_liked")
    b.add_follow("a", "recommended_and_liked", source="recommendation")
    b.add_interaction("a", "recommended_and_liked")
    g = b.build()
    c = chosen_contacts(g)
    row = dict(zip((g.ids[j] for j in c[g.index["a"]].indices), c[g.index["a"]].data.tolist(), strict=True))
    assert row == {
        "followed": 1.0,
        "recommended": 0.5,
        "written": 1.5,
        "followed_and_written": 1.5,
        "liked": 0.5,
        "followed_and_liked": 1.0,
        "recommended_and_liked": 0.5,
    }
    assert c[g.index["followed"]].nnz == 0  # nobody else chose anyone


def test_association_needs_several_strong_contacts_chosen_not_recommended() -> None:
    b = GraphBuilder("t")
    for s in ("s1", "s2", "s3"):
        b.add_follow("buyer", s)
        b.add_follow("pulled", s, source="recommendation")
        b.add_follow(s, "followed_by_sellers")
        b.add_follow(s, "peer")
        b.add_follow(s, "target")
    b.add_follow("peer", "s1")
    b.add_follow("peer", "s2")
    b.add_follow("target", "s1")
    b.add_follow("one_chance", "s1")
    for k in range(3000):
        b.add_follow("bulk", f"x{k}")
    for s in ("s1", "s2", "s3"):
        b.add_follow("bulk", s)
    g, seller, c = _with_sellers(b)
    reach = reach_out(c, seller)
    i = g.index
    assert reach.llr[i["buyer"]] > 3.0
    assert reach.llr[i["one_chance"]] == 0.0  # one follow is what a recommendation gives anyone
    assert reach.llr[i["pulled"]] < reach.llr[i["buyer"]]
    assert reach.llr[i["bulk"]] == 0.0  # three among three thousand
    tie = tie_in(c, seller)
    assert tie.llr[i["peer"]] > 0.0  # followed by three sellers, friends with two of them
    assert tie.llr[i["target"]] == 0.0  # followed by three, follows one back: their audience or target
    assert tie.llr[i["followed_by_sellers"]] == 0.0  # followed by sellers, turns to none: camouflage
    assert tie.llr[i["buyer"]] == 0.0  # nobody strong chose it


def test_a_tie_both_ways_counts_once() -> None:
    """Three strong accounts that an account follows and that follow it back are three ties, not six
    pieces of evidence: ``reach`` loses what it shares with ``tie``; a buyer's one-way follows keep theirs."""
    b = GraphBuilder("t")
    for s in ("s1", "s2", "s3"):
        b.add_follow("friend", s)
        b.add_follow(s, "friend")
        b.add_follow("buyer", s)
        b.add_follow("half", s)
    b.add_follow("s1", "half")
    b.add_follow("s2", "half")
    g, seller, c = _with_sellers(b)
    tie, both = tie_in(c, seller), reach_out(c, seller)
    once = counted_once(tie, both, c)
    i = g.index
    assert tie.llr[i["friend"]] > 3.0 and both.llr[i["friend"]] > 3.0
    assert once.llr[i["friend"]] == pytest.approx(both.llr[i["friend"]] - tie.llr[i["friend"]])
    assert once.mutual is not None and once.mutual[i["friend"]] == pytest.approx(3.0)
    assert "counted once" in once.words(i["friend"], "chose to contact")
    assert once.llr[i["buyer"]] == both.llr[i["buyer"]] > 3.0  # one way only: nothing shared
    # two of its three strong contacts run both ways: two thirds of the smaller feature comes off
    assert tie.llr[i["half"]] > 0.0 and once.llr[i["half"]] < both.llr[i["half"]]
    assert once.llr[i["half"]] == pytest.approx(
        both.llr[i["half"]] - 2 / 3 * min(tie.llr[i["half"]], both.llr[i["half"]])
    )


def test_a_cell_counts_for_each_member_chosen_once_for_friends_and_never_inside_it() -> None:
    """Silent sellers weak alone, in a cell whose evidence is strong: a buyer who follows three of them
    (one way) reaches three members read with their cell; a friend of three of them (each follows it back)
    reaches the cell once, as the friends of a circle do; a member following its cell-mates gains nothing
    from the cell (its own signals are part of the cell's evidence); plain weak accounts stay weak."""
    b = GraphBuilder("t")
    cell = [f"c{k}" for k in range(6)]
    for x in cell:
        for y in cell:
            if x != y:
                b.add_follow(x, y)
    for x in cell[:3]:
        b.add_follow("buyer", x)
        b.add_follow("friend", x)
        b.add_follow(x, "friend")
        b.add_follow("weak_fan", f"w{x}")
    b.add_follow("one", cell[0])
    for k in range(20):
        for who in ("buyer", "friend", "one"):
            b.add_follow(who, f"o{k}")
    for k in range(60):  # the ordinary platform, whose contacts set what chance gives
        for j in range(10):
            b.add_follow(f"p{k}", f"o{(k + j) % 20}")
    g = b.build()
    c = chosen_contacts(g)
    i = g.index
    own = np.zeros(g.n)
    own[g.indices(cell)] = 2.0  # one kind each: not strong alone
    group = np.full(g.n, -1, dtype=np.int64)
    group[g.indices(cell)] = 0
    gain = np.zeros(g.n)
    gain[g.indices(cell)] = 1.5  # the cell's evidence read for each member
    alone, read = float(strong(np.array([2.0]))[0]), float(strong(np.array([3.5]))[0])
    plain, with_cell = reach_out(c, own), reach_out(c, own, groups=(group, gain))
    assert plain.llr[i["buyer"]] == 0.0
    assert with_cell.count[i["buyer"]] == pytest.approx(3 * read)
    assert with_cell.llr[i["buyer"]] > 0.5
    words = with_cell.words(i["buyer"], "chose to contact")
    assert "2.2 of that count from the evidence of the cells" in words
    assert with_cell.count[i["friend"]] == pytest.approx(3 * alone + (read - alone))
    assert with_cell.count[i["friend"]] < with_cell.count[i["buyer"]]
    assert with_cell.count[i["c0"]] == pytest.approx(plain.count[i["c0"]])  # its own cell adds nothing
    assert with_cell.llr[i["one"]] == 0.0  # one member followed is still one contact
    three_groups = group.copy()
    three_groups[g.indices(cell[:3])] = [1, 2, 3]  # the same friends as three cells: three gains
    assert reach_out(c, own, groups=(three_groups, gain)).count[i["friend"]] == pytest.approx(3 * read)


def test_weak_suspicion_does_not_spread() -> None:
    """Accounts with weak evidence count for nothing in their neighbours' association (no cascade)."""
    b = GraphBuilder("t")
    for k in range(10):
        for j in range(10):
            if k != j:
                b.add_follow(f"c{k}", f"c{j}")
    g = b.build()
    weak = np.full(g.n, 0.9)
    c = chosen_contacts(g)
    assert tie_in(c, weak).llr.max() == 0.0
    assert reach_out(c, weak).llr.max() == 0.0


def test_prior_is_the_share_the_posteriors_imply() -> None:
    rng = np.random.default_rng(0)
    members = rng.random(20_000) < 0.03
    # one feature, N(4, 1) for members and N(0, 1) otherwise: its exact log-likelihood ratio is 4x - 8
    x = np.where(members, rng.normal(4.0, 1.0, members.size), rng.normal(0.0, 1.0, members.size))
    evidence = 4.0 * x - 8.0
    pi = estimate_prior(evidence)
    assert abs(pi - 0.03) < 0.006
    assert abs(float(sigmoid(np.log(pi / (1 - pi)) + evidence).mean()) - pi) < 1e-3


def test_weights_round_trip_and_default_for_unknown_kinds() -> None:
    w = Weights({"term_match": 0.7}, version=3, verdicts=240, fitted_at="2026-12-01")
    back = Weights.from_json(w.to_json())
    assert back == w and back["term_match"] == 0.7
    assert back["tie"] == 1.0  # not fitted: the default
    assert back["a_kind_nobody_knows"] == 0.5
    assert "240 verdicts" in back.describe()


def test_a_graded_kind_many_carry_a_little_of_counts_from_where_few_reach() -> None:
    """Reports on a trading platform: a quarter of accounts carry a trace (disputes), so carrying it at all
    says nothing; read as graded, it counts from the strength few enough accounts reach, says about one
    weak signal there, and still orders every carrier by strength above those with none."""
    from bastion.core.signals import lookup
    from bastion.graph.baserate import GRADED_LLR, PRESENT
    from bastion.graph.signals import REPORT

    n = 10_000
    rng = np.random.default_rng(5)
    report = np.zeros(n)
    report[:2_500] = rng.uniform(0.2, 0.6, 2_500)  # disputes
    report[2_500:3_000] = rng.uniform(0.01, PRESENT, 500)  # a dispute by a reporter of many
    report[:100] = 1.0  # the few reported by many
    member = lookup(REPORT).member_rate
    assert (report >= PRESENT).mean() > member  # read by presence, it would say nothing here
    graded = base_rates({REPORT: report}, n)[REPORT]
    assert graded.present > PRESENT and graded.llr >= GRADED_LLR and graded.rate < member
    assert "counted from strength" in graded.words()
    ev = own_evidence({REPORT: report}, {REPORT: graded}, n)[REPORT]
    assert ev[0] == pytest.approx(graded.llr) and ev[-1] == pytest.approx(graded.absent_llr)
    order = np.argsort(report, kind="stable")
    assert np.all(np.diff(ev[order]) >= 0.0)  # monotone in strength: every trace above none
    assert ev[1_000] > ev[-1]
    # down to the faintest: where disputes are routine, a trace is not noise, and it ranks as it is
    faint = np.arange(2_500, 3_000)
    assert np.all(ev[faint] > ev[-1]) and np.all(ev[faint] < ev[1_000])
    assert np.all(np.diff(ev[faint[np.argsort(report[faint])]]) > 0.0)
    # where reports are rare, a graded kind reads by presence like any other, a trace as none
    rare_report = np.where(np.arange(n) < 100, report, 0.0)
    rare_report[200] = 0.1
    rare = base_rates({REPORT: rare_report}, n)[REPORT]
    assert rare.present == PRESENT and rare.carriers == 100
    assert rare.llr == pytest.approx(np.log(member / rare.rate))
    assert own_evidence({REPORT: rare_report}, {REPORT: rare}, n)[REPORT][200] == rare.absent_llr


def test_the_prior_stays_where_no_evidence_says_against_membership() -> None:
    """A platform whose only evidence is a kind whose absence is mute: every share fits better than the one
    below it, so EM would climb to the top bound; the start stands instead. With evidence against for most
    accounts, the share is estimated as before."""
    n = 5_000
    mute = np.zeros(n)
    mute[:400] = 0.8
    assert estimate_prior(mute, 0.005) == 0.005
    against = np.full(n, -2.0)
    against[:50] = 6.0
    assert 0.005 < estimate_prior(against, 0.005) < 0.02


def test_the_score_sentence_names_a_signal_the_account_lacks_as_lacking() -> None:
    """An account created years ago is counted down for not being new: the sentence says it lacks the
    signal (an outside reader took "new_account -0.4" for a new account)."""
    from bastion.graph.model import explain

    parts = [("tie", 6.0), (NEW_ACCOUNT, -0.4), (TERM_MATCH, 2.6)]
    text = explain(0.01, 0.9, parts, Weights())
    assert f"no {NEW_ACCOUNT} -0.4" in text and f"{TERM_MATCH} +2.6" in text
    assert f"no {TERM_MATCH}" not in text
