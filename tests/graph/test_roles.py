"""Roles read which way an account's ties with likely members run, and follows inside one tight group are
peers following each other, not a side."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.graph.container import AccountGraph
from bastion.graph.roles import assign_role, role_scores, role_sentence


def test_a_cells_one_way_follows_among_its_sellers_are_no_side() -> None:
    """Sellers 0-5 are one group; each follows the next three one way (no follow back, as on a photo app):
    0 follows three cell-mates and is followed by none of them. Buyers 6 and 7 follow two sellers each.
    Read without the group, 0 follows more likely members than follow it and leans buyer; with it, its
    cell's follows say nothing and the buyers following it make it a seller. The buyers are read as
    before (they are in no group)."""
    pairs = [(a, a + k) for a in range(6) for k in (1, 2, 3) if a + k < 6] + [(6, 0), (6, 1), (7, 0), (7, 2)]
    n = 8
    follows = (np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))
    graph = AccountGraph.from_arrays("p", [f"a{i}" for i in range(n)], follows)
    member = np.ones(n)
    zero = np.zeros(n)
    group = np.array([0, 0, 0, 0, 0, 0, -1, -1])
    plain = role_scores(graph, {}, member, zero, zero, {})
    grouped = role_scores(graph, {}, member, zero, zero, {}, group)
    assert plain.seller[0] < 0.5 < grouped.seller[0]
    assert np.allclose(plain.seller[[6, 7]], grouped.seller[[6, 7]]) and (grouped.seller[[6, 7]] < 0.5).all()
    assert np.array_equal(plain.followed_by_suspects, grouped.followed_by_suspects)  # the dossier's counts


def test_an_account_that_re_shares_sellers_is_their_amplifier_not_their_customer() -> None:
    """Sellers 0-5; accounts 6-8 each follow four of them without advertising. 6 re-shares three of their
    posts, 7 one, 8 none: re-sharing is what an amplifier does, so three re-shares make 6 a facilitator
    (it was read as a buyer at 0.6 of its amplification), one leaves 7 a buyer and 8 stays one."""
    follows = [(f, s) for f in (6, 7, 8) for s in range(4)]
    shares = [(6, 0), (6, 1), (6, 2), (7, 0)]
    n = 9
    graph = AccountGraph.from_arrays(
        "p",
        [f"a{i}" for i in range(n)],
        (np.array([a for a, _ in follows]), np.array([b for _, b in follows])),
        shares=(np.array([a for a, _ in shares]), np.array([b for _, b in shares]), np.ones(len(shares))),
    )
    member = np.ones(n)
    zero = np.zeros(n)
    r = role_scores(graph, {}, member, zero, zero, {})
    assert r.facilitator[6] > max(r.buyer[6], r.seller[6])
    assert r.buyer[7] > max(r.facilitator[7], r.seller[7])
    assert r.buyer[8] > max(r.facilitator[8], r.seller[8]) and r.facilitator[8] == 0.0


def test_sellers_that_follow_a_buyer_back_answer_it_and_do_not_make_it_followed_by_suspects() -> None:
    """Sellers 0-2. Account 4 followed all three first and each followed it back: their follows answered
    its choice, so it reads as their buyer (it was read as followed by three suspects, a seller's sign).
    Account 5 was followed by all three first and followed each back: it was chosen, so their follows
    still lean it seller."""
    pairs = [(4, 0, 1), (4, 1, 2), (4, 2, 3), (0, 4, 10), (1, 4, 11), (2, 4, 12)]
    pairs += [(0, 5, 1), (1, 5, 2), (2, 5, 3), (5, 0, 10), (5, 1, 11), (5, 2, 12)]
    n = 6
    graph = AccountGraph.from_arrays(
        "p",
        [f"a{i}" for i in range(n)],
        (np.array([a for a, _, _ in pairs]), np.array([b for _, b, _ in pairs])),
        follow_times=np.array([t for _, _, t in pairs]) * 86_400,
    )
    member = np.ones(n)
    lean = np.full(n, 0.5)  # a weak own signal each
    zero = np.zeros(n)
    r = role_scores(graph, {}, member, lean, zero, {})
    assert r.buyer[4] > 0.5 > r.seller[4]
    assert r.seller[5] > 0.5 > r.buyer[5]
    assert r.followed_by_suspects[4] == r.followed_by_suspects[5] == 3.0  # the dossier's counts


def test_a_member_whose_seller_and_buyer_readings_tie_has_no_role_not_the_harsher_one() -> None:
    """Accounts 0 and 1 follow each other (a pair of friends), account 2 follows 0: with no evidence either
    way, 1 reads 0.5 as seller and as buyer. The tie used to go to "seller" by the order of the names (a
    seller's plan disables the account); it is "unknown", worded as such, and a clear buyer stays a buyer."""
    follows = (np.array([0, 1, 2]), np.array([1, 0, 0]))
    graph = AccountGraph.from_arrays("p", ["a0", "a1", "a2"], follows)
    zero = np.zeros(3)
    r = role_scores(graph, {}, np.ones(3), zero, zero, {})
    assert r.seller[1] == pytest.approx(r.buyer[1]) == pytest.approx(0.5)
    role, score = assign_role(1, r)
    assert (role, score) == ("unknown", pytest.approx(0.5))
    assert "nothing tells on which side" in role_sentence(role, 1, r)
    clear = role_scores(graph, {}, np.ones(3), zero, np.array([0.0, 3.0, 0.0]), {})
    assert assign_role(1, clear)[0] == "buyer"


def test_a_young_account_leans_seller_only_where_young_accounts_are_rare() -> None:
    """Account 0 is a week old and shows nothing either way. Among year-old accounts its youth leans it
    seller; on a platform where every account is a week old (a new platform) youth tells no side, and it
    reads as undecided."""
    from bastion.graph.container import NodeAttributes

    n = 20
    graph = AccountGraph.from_arrays(
        "p", [f"a{i}" for i in range(n)], (np.arange(1, n), np.zeros(n - 1, int))
    )
    member, zero = np.ones(n), np.zeros(n)
    for days, leans_seller in ((400.0, True), (7.0, False)):
        attrs = NodeAttributes.empty(n)
        attrs.account_age_days = np.full(n, days)
        attrs.account_age_days[0] = 7.0
        graph.attrs = attrs
        r = role_scores(graph, {}, member, zero, zero, {}, np.zeros(n, dtype=np.int64))
        assert bool(r.seller[0] > 0.6) is leans_seller
        assert leans_seller or assign_role(0, r)[0] == "unknown"


def test_who_started_a_conversation_tells_the_side_as_a_follow_does() -> None:
    """Sellers 0-2, no follows at all (a network that deals by messages). Account 4 wrote to each seller
    first and each answered: it reached out, a buyer. Account 5 was written to first by each seller and
    answered them: it was chosen, a seller's sign. Where the platform does not say who started (no reply
    layer), messages tell no side and the two read alike (an outside check's network read 42 of 48
    buyers as sellers)."""
    sent = [(4, s) for s in range(3)] + [(s, 4) for s in range(3)]
    sent += [(s, 5) for s in range(3)] + [(5, s) for s in range(3)]
    answers = [(s, 4) for s in range(3)] + [(5, s) for s in range(3)]
    n = 6
    ids = [f"a{i}" for i in range(n)]
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def graph(replies: bool) -> AccountGraph:
        a, b = np.array([x for x, _ in sent]), np.array([y for _, y in sent])
        ra, rb = np.array([x for x, _ in answers]), np.array([y for _, y in answers])
        return AccountGraph.from_arrays(
            "p",
            ids,
            none,
            messages=(a, b, np.ones(len(a))),
            replies=(ra, rb, np.ones(len(ra))) if replies else None,
        )

    member, zero = np.ones(n), np.zeros(n)
    told = role_scores(graph(True), {}, member, zero, zero, {})
    assert told.buyer[4] > told.seller[4] and told.seller[5] > told.buyer[5]
    assert assign_role(4, told)[0] == "buyer" and assign_role(5, told)[0] == "seller"
    untold = role_scores(graph(False), {}, member, zero, zero, {})
    assert untold.seller[4] == untold.seller[5]
