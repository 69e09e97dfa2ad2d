"""Which contacts count as independent association (``alike.py``): who shows only traits friends share,
and a friendship between two such accounts, or a one-way contact where both are strong, counts for
neither; a fellow holder of the link domain an account holds is read, for that tie, without it."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bastion.graph.alike import SameItem, shows_only_traits, without_alike_friendships
from bastion.graph.association import ONE_KIND_CAP, diverse, reach_out, strong, tie_in
from bastion.graph.signals import HASH_MATCH, NEW_ACCOUNT, REPORT, SHARED_LINK, STORIES_ONLY, TERM_MATCH

from .conftest import contacts_of


def test_only_traits_friends_share_leave_an_account_alike() -> None:
    n = 6
    present = {
        TERM_MATCH: np.array([1, 1, 0, 1, 0, 0], dtype=bool),
        NEW_ACCOUNT: np.array([1, 0, 1, 1, 0, 0], dtype=bool),
        STORIES_ONLY: np.array([0, 1, 1, 0, 0, 0], dtype=bool),
        REPORT: np.array([0, 0, 0, 1, 0, 0], dtype=bool),
    }
    got = shows_only_traits(present, n, seeds=np.array([4]))
    # 0-2: words and profile only; 3: also reported; 4: a seed; 5: shows nothing at all
    assert got.tolist() == [True, True, True, False, False, True]


def test_a_friendship_between_alike_accounts_counts_for_neither() -> None:
    # 0 and 1 alike and strong, friends both ways; 2 alike, not strong, follows 0 one way; 3 reported,
    # friends with 0; 4 and 5 alike and not strong, friends both ways (neither end makes a tie count: not
    # read); 6 alike and strong, follows 0 one way and is followed by 7, reported and strong, one way
    pairs = [(0, 1), (1, 0), (2, 0), (3, 0), (0, 3), (4, 5), (5, 4), (6, 0), (7, 6)]
    counted = contacts_of(pairs, 8)
    alike = np.array([True, True, True, False, True, True, True, False])
    strong = np.array([True, True, False, True, False, False, True, True])
    got = without_alike_friendships(counted, alike, strong).toarray()
    assert got[0, 1] == 0 and got[1, 0] == 0 and got[6, 0] == 0
    assert got[2, 0] == 1 and got[3, 0] == 1 and got[0, 3] == 1 and got[4, 5] == 1 and got[5, 4] == 1
    assert got[7, 6] == 1
    assert counted.toarray()[0, 1] == 1  # the caller's matrix is left as it was


def test_a_fellow_holder_of_the_link_domain_an_account_holds_is_read_without_it() -> None:
    """A club of ten friends who all link its site and use its word (two kinds: each strong in part) were
    each friends with nine strong accounts, strong for the very domain the account holds itself: counted
    once as its own signal and again through every fellow holder. Read without the domain, the fellow
    holders are one-trait accounts and the club has no tie. An account that holds no domain and is friends
    with all of them is friends with one domain, not ten: the strongest holder is read with it, the rest
    without (an outside check's friends of a forty-shop market were flagged by the score). One that
    follows them all one way (a buyer's follows of a cell) reads each as before, and so does a cell whose
    members show more than the domain."""
    n, k = 200, 10
    rng = np.random.default_rng(7)
    outsider, follower = k, k + 1
    pairs = [(a, b) for a in range(k) for b in range(k) if a != b]
    pairs += [(outsider, b) for b in range(k)] + [(b, outsider) for b in range(k)]
    pairs += [(follower, b) for b in range(k)]
    pairs += [(int(a), int(b)) for a, b in rng.integers(k + 2, n, (600, 2)) if a != b]
    contacts = contacts_of(pairs, n)
    holds = np.arange(n) < k
    site = sp.csr_matrix((np.ones(k), (np.arange(k), np.zeros(k, dtype=np.int64))), shape=(n, 1))
    link, word = np.where(holds, ONE_KIND_CAP, 0.0), np.where(holds, ONE_KIND_CAP, 0.0)
    own = diverse({SHARED_LINK: link, TERM_MATCH: word})
    same = SameItem.of(contacts, {SHARED_LINK: holds}, {SHARED_LINK: site}, diverse({TERM_MATCH: word}))
    assert len(same.rows) == k * (k - 1)  # the club's friendships, each way; none with the outsider
    before, after = tie_in(contacts, own), tie_in(contacts, own, same=same)
    assert (before.llr[:k] > 3).all() and (after.llr[:k] == 0).all()
    assert before.llr[outsider] > 3 and after.llr[outsider] == 0
    assert after.count[outsider] == strong(own)[0]  # one holder, with the domain
    assert after.shared is not None and np.allclose(after.shared[:k], (k - 1) * strong(own)[0])
    assert np.isclose(after.shared[outsider], (k - 1) * strong(own)[0])
    assert "hold the link domain it holds" in after.words(0, "friends with")
    assert "one domain counts once" in after.words(outsider, "friends with")
    # the members chose each other: reach reads them the same way; the follower's one-way follows in full
    plain, read = reach_out(contacts, own), reach_out(contacts, own, same=same)
    assert (plain.count[:k] > 0).all() and (read.count[:k] == 0).all()
    assert read.count[follower] == plain.count[follower] == k * strong(own)[0]
    # a seller cell that shares its storefront and shows a word and a known hash besides: read as before
    cell = diverse({SHARED_LINK: link, TERM_MATCH: word, HASH_MATCH: word})
    apart = diverse({TERM_MATCH: word, HASH_MATCH: word})
    same = SameItem.of(contacts, {SHARED_LINK: holds}, {SHARED_LINK: site}, apart)
    assert np.allclose(tie_in(contacts, cell, same=same).llr, tie_in(contacts, cell).llr)
