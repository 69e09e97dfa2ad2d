"""Which contacts count as independent association (``alike.py``): who shows only traits friends share,
and a friendship between two such accounts, or a one-way contact where both are strong, counts for
neither."""

from __future__ import annotations

import numpy as np

from bastion.graph.alike import shows_only_traits, without_alike_friendships
from bastion.graph.signals import NEW_ACCOUNT, REPORT, STORIES_ONLY, TERM_MATCH

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
