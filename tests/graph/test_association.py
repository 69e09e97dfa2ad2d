"""Association between alike friends: a friendship between two accounts that show nothing but traits
friends share (a hobby's word, being new) counts for neither, and so does a one-way contact between two
such accounts that are both strong; a one-way contact from an account that is not strong, or one with an
account that shows something friends do not share, counts as before."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bastion.graph.alike import shows_only_traits, without_alike_friendships
from bastion.graph.association import reach_out, tie_in
from bastion.graph.signals import NEW_ACCOUNT, REPORT, SHARED_LINK, TERM_MATCH

from .conftest import contacts_of


def test_a_circle_of_alike_friends_gives_its_members_no_tie() -> None:
    """Ten friends, each strong by a word and being new, all tied both ways: before, every one of them was
    contacted by nine strong accounts (the most a tie may say); the same circle with a report on each
    member is read as before."""
    n, k = 200, 10
    rng = np.random.default_rng(3)
    pairs = [(a, b) for a in range(k) for b in range(k) if a != b]
    pairs += [(int(a), int(b)) for a, b in rng.integers(k, n, (600, 2)) if a != b]
    contacts = contacts_of(pairs, n)
    own = np.zeros(n)
    own[:k] = 4.0  # strong in full
    traits = {TERM_MATCH: np.arange(n) < k, NEW_ACCOUNT: np.arange(n) < k}
    alike = shows_only_traits(traits, n, seeds=np.zeros(0, dtype=np.int64))
    counted = without_alike_friendships(contacts, alike, own > 0)
    assert (tie_in(contacts, own).llr[:k] > 3).all()
    tie = tie_in(contacts, own, counted)
    assert (tie.llr[:k] == 0).all()
    assert tie.within is not None and np.allclose(tie.within[:k], k - 1)  # each of its nine friends
    assert "9.0 more not counted: inside its own circle of friends" in tie.words(0, "contacted by")
    reported = {**traits, REPORT: np.arange(n) < k}
    alike = shows_only_traits(reported, n, seeds=np.zeros(0, dtype=np.int64))
    counted = without_alike_friendships(contacts, alike, own > 0)
    assert np.allclose(tie_in(contacts, own, counted).llr, tie_in(contacts, own).llr)


def test_a_circle_of_alike_friends_who_follow_one_way_gives_its_members_no_association() -> None:
    """The same circle where friends do not follow back (each follows those after it, as on a photo app):
    no tie (being followed is not a friendship), and every member reached strong accounts; none does now.
    A member that is not strong and follows the circle (as a buyer follows sellers) still reaches it."""
    n, k = 200, 10
    rng = np.random.default_rng(3)
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)] + [(k, b) for b in range(k)]
    pairs += [(int(a), int(b)) for a, b in rng.integers(k + 1, n, (600, 2)) if a != b]
    contacts = contacts_of(pairs, n)
    own = np.zeros(n)
    own[:k] = 4.0
    traits = {TERM_MATCH: np.arange(n) < k, NEW_ACCOUNT: np.arange(n) <= k}  # k: new, not strong
    alike = shows_only_traits(traits, n, seeds=np.zeros(0, dtype=np.int64))
    counted = without_alike_friendships(contacts, alike, own > 0)
    before = reach_out(contacts, own).llr
    assert (tie_in(contacts, own).llr == 0).all()
    assert (before[: k - 2] > 0).all()  # two or more strong accounts it follows: members 0-7
    reach = reach_out(contacts, own, counted).llr
    assert (reach[:k] == 0).all() and reach[k] > 3


def test_a_contact_with_an_account_it_reported_is_no_chosen_contact(make_block_model) -> None:  # type: ignore[no-untyped-def]
    """Following to report is documenting, not association: the reported contact is gone, every other
    contact of the reporter is as it was."""
    from bastion.graph.contacts import chosen_contacts
    from bastion.graph.container import AccountGraph

    src, dst, _ = make_block_model(200, 4, 0.1, 0.01, seed=1)
    follows = (np.r_[src, 0, 0], np.r_[dst, 150, 151])
    ids = [f"a{i}" for i in range(200)]
    plain = chosen_contacts(AccountGraph.from_arrays("t", ids, follows))
    reported = AccountGraph.from_arrays(
        "t", ids, follows, reports=(np.array([0]), np.array([150]), np.ones(1))
    )
    got = chosen_contacts(reported)
    assert plain[0, 150] == 1 and got[0, 150] == 0
    diff = (plain - got).tocoo()
    assert diff.nnz == 1 and (diff.row[0], diff.col[0]) == (0, 150)


def test_each_strong_account_it_reported_counts_against_its_reach() -> None:
    """Accounts 0-2 follow the same ten strong sellers; 1 reported seven of them, 2 reported two: 1 reaches
    nothing any more (documenting them), 2 is still read by the rest, each reported one cancelling two."""
    n = 200
    sellers = list(range(10, 20))
    pairs = [(a, s) for a in (0, 1, 2) for s in sellers]
    rng = np.random.default_rng(5)
    pairs += [(int(a), int(b)) for a, b in rng.integers(20, n, (800, 2)) if a != b]
    contacts = contacts_of(pairs, n)
    own = np.zeros(n)
    own[10:20] = 4.0
    made = contacts_of([(1, s) for s in sellers[:7]] + [(2, s) for s in sellers[:2]], n)
    before = reach_out(contacts, own)
    after = reach_out(contacts, own, reported=made)
    assert before.llr[0] == before.llr[1] == before.llr[2] > 3
    assert after.llr[0] == before.llr[0] and after.llr[1] == 0
    assert after.count[2] == before.count[2] - 2 * 2 and after.llr[2] > 3
    assert after.reported is not None and after.reported[1] == 7
    assert "it reported 7.0 strong account(s)" in after.words(1, "chose to contact")


def test_one_strong_contact_counts_only_for_an_account_with_evidence_friends_do_not_share() -> None:
    """Accounts 0-3 each follow one strong seller (10), which follows them back; 0 and 2 show a report or a
    link domain of their own, 1 and 3 nothing, or only traits friends share: one strong account they chose
    is corroboration for 0 and 2, nothing for 1 and 3; two count for anyone. Ties (friends) need two."""
    n = 200
    pairs = [(a, 10) for a in range(4)] + [(10, a) for a in range(4)] + [(4, 10), (4, 11)]
    rng = np.random.default_rng(9)
    pairs += [(int(a), int(b)) for a, b in rng.integers(20, n, (800, 2)) if a != b]
    contacts = contacts_of(pairs, n)
    own = np.zeros(n)
    own[10:12] = 4.0
    traits = {REPORT: np.isin(np.arange(n), [0]), TERM_MATCH: np.isin(np.arange(n), [2, 3])}
    traits[SHARED_LINK] = np.isin(np.arange(n), [2])
    corroborated = ~shows_only_traits(traits, n, seeds=np.zeros(0, dtype=np.int64))
    assert corroborated[[0, 2]].all() and not corroborated[[1, 3, 4]].any()
    read = reach_out(contacts, own, corroborated=corroborated)
    assert read.llr[0] > 0.5 and read.llr[2] > 0.5
    assert read.llr[1] == 0 and read.llr[3] == 0
    assert "fewer than two count only because" in read.words(0, "chose to contact")
    assert tie_in(contacts, own).llr[0] == 0  # a friend: one is not independent (module docstring)
    plain = reach_out(contacts, own)
    assert plain.llr[0] == 0 and plain.llr[4] > 0.5  # without corroboration one is nothing, two count
    assert reach_out(contacts, own, corroborated=corroborated).llr[4] == plain.llr[4]


def test_reading_a_product_at_the_few_entries_of_a_sparse_matrix_is_the_product() -> None:
    """``_through`` reads ``m.multiply(few) @ s`` at the entries of ``few`` only: the same sums, bit for
    bit, including entries of ``few`` that ``m`` lacks and a ``few`` given with duplicates."""
    from bastion.graph.association import _through

    rng = np.random.default_rng(2)
    n = 200
    m = sp.csr_matrix((rng.random(3000) + 0.5, (rng.integers(0, n, 3000), rng.integers(0, n, 3000))), (n, n))
    m.sum_duplicates()
    rows, cols = rng.integers(0, n, 400), rng.integers(0, n, 400)
    few = sp.csr_matrix((np.ones(400), (rows, cols)), shape=(n, n))
    s = rng.random(n)
    want = np.asarray(sp.csr_matrix(m.multiply(few)) @ s).ravel()
    assert np.array_equal(_through(m, few, s), want)
    twice = sp.csr_matrix((np.ones(800), (np.r_[rows, rows], np.r_[cols, cols])), shape=(n, n))
    twice.has_canonical_format = False
    assert np.allclose(_through(m, twice, s), np.asarray(sp.csr_matrix(m.multiply(twice)) @ s).ravel())
    assert (want > 0).sum() > 10


def test_each_feature_keeps_what_each_contact_with_a_strong_account_added() -> None:
    """The null (chance.py) draws chance contacts from what contacts with strong accounts add on the
    platform: one entry per such contact, summing to the counts where nothing is taken off them."""
    rng = np.random.default_rng(4)
    n = 300
    pairs = rng.integers(0, n, (3_000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    weights = rng.choice([1.0, 2.0], len(pairs))  # a follow, a follow and a message
    contacts = sp.csr_matrix((weights, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    own = np.where(rng.random(n) < 0.05, rng.uniform(2.0, 5.0, n), 0.0)
    reach = reach_out(contacts, own)
    tie = tie_in(contacts, own)
    for f in (reach, tie):
        assert f.weights is not None and len(f.weights) >= 5 and (f.weights > 0).all()
        np.testing.assert_allclose(f.weights.sum(), f.count.sum())


def test_strong_friends_that_only_answered_say_inside_not_which_side() -> None:
    """Sellers 0-2 (strong by their own evidence). Account 3 wrote first to each and each replied: it is
    inside (they took it up) but it chose them and they answered, which is a buyer's side, not theirs (an
    outside check's buyers who wrote first to sellers that answered and followed back were read as the
    sellers' friends, +6.0 log-odds on the seller side, and labelled sellers). Account 4 and the sellers
    each wrote first to the other: friends on either reading. Ordinary accounts 5-104 follow each other,
    and a few follow 3 and 4, so chance is low."""
    from bastion.graph.contacts import chosen_contacts
    from bastion.graph.container import AccountGraph
    from bastion.graph.initiative import answers

    n = 105
    ring = np.arange(5, n)
    fa = np.concatenate([ring, ring, np.arange(5, 10), np.arange(10, 15)])
    fb = np.concatenate([5 + (ring - 4) % 100, 5 + (ring - 3) % 100, np.full(5, 3), np.full(5, 4)])
    sent = [(3, s) for s in range(3)] + [(s, 3) for s in range(3)]
    sent += [(4, s) for s in range(3)] + [(s, 4) for s in range(3)]
    replies = [(s, 3) for s in range(3)]  # the sellers answered 3; 4 and the sellers each started one
    graph = AccountGraph.from_arrays(
        "p",
        [f"a{i}" for i in range(n)],
        (fa, fb),
        messages=(np.array([a for a, _ in sent]), np.array([b for _, b in sent]), np.ones(len(sent))),
        replies=(np.array([a for a, _ in replies]), np.array([b for _, b in replies]), np.ones(3)),
    )
    contacts = chosen_contacts(graph)
    own = np.zeros(n)
    own[:3] = 4.0
    answered_by = answers(graph, np.ones(n, dtype=bool), by=own > 0)
    assert sorted(zip(*answered_by.nonzero(), strict=True)) == [(0, 3), (1, 3), (2, 3)]
    tie = tie_in(contacts, own, answered_by=answered_by)
    assert tie.side is not None and tie.answered_it is not None
    assert tie.llr[3] > 0.0 and tie.side[3] == 0.0 and tie.answered_it[3] > 2.0  # inside, not their side
    assert "only answered it" in tie.words(3, "friends with")
    assert tie.side[4] == tie.llr[4] > 0.0  # each chose the other
    assert np.array_equal(tie_in(contacts, own).llr, tie.llr)  # membership reads them as before
