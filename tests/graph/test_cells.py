"""Cells: a tight group whose members together show several kinds of signal lifts its silent members; a
tight group that shares one trait (a hobby's code word) and scattered stray signals lift no one."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from bastion.graph.cells import find_cells
from bastion.graph.signals import HASH_MATCH, REPORT, SHARED_LINK, STORIES_ONLY, TERM_MATCH

N = 600


def _world(seed: int = 1) -> tuple[sp.csr_matrix, dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Random ordinary ties with stray signals; a 14-account cell (dense, three kinds spread over its
    members, four of them silent); a 16-account circle as dense that shares one kind only."""
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, N, 6 * N), rng.integers(0, N, 6 * N)
    cell, circle = np.arange(14), np.arange(100, 116)
    pairs = [(a, b) for grp in (cell, circle) for a in grp for b in grp if a != b and rng.random() < 0.5]
    src = np.concatenate([src, [a for a, _ in pairs]])
    dst = np.concatenate([dst, [b for _, b in pairs]])
    keep = src != dst
    contacts = sp.csr_matrix((np.ones(int(keep.sum())), (src[keep], dst[keep])), shape=(N, N))
    present = {k: rng.random(N) < 0.03 for k in ("term", "link", "stories")}
    for k, who in (("term", cell[4:8]), ("link", cell[6:11]), ("stories", cell[9:14])):
        present[k][who] = True
    present["term"][circle[:12]] = True
    for k in ("link", "stories"):
        present[k][circle] = False
        present[k][cell[:4]] = False  # the silent ones
    present["term"][cell[:4]] = False
    strong = np.zeros(N, dtype=bool)
    strong[cell[6:10]] = True
    strong[circle[:6]] = True  # strong enough to be a core: the circle must still not become a cell
    return contacts, present, strong, cell, circle


def test_a_cell_lifts_its_silent_members_and_a_one_trait_circle_lifts_no_one() -> None:
    contacts, present, strong, cell, circle = _world()
    got = find_cells(contacts, present, strong, np.zeros(0, dtype=np.int64), seed=7)
    assert (got.llr[cell[:4]] > 0.25).all()  # silent members: no signal of their own
    assert (got.llr[circle] == 0).all()
    others = np.setdiff1d(np.arange(N), np.concatenate([cell, circle]))
    # an ordinary account with several ties into the cell may join its group, with less than its members
    assert (got.llr[others] > 0).sum() <= 2 and got.llr[others].max() < got.llr[cell[:4]].min()
    g = int(got.group[cell[0]])
    assert got.evidence[g] > 0 and "tight group" in got.words(int(cell[0]))


def test_cells_are_reproducible_and_empty_without_a_core() -> None:
    contacts, present, strong, _, _ = _world()
    none = np.zeros(0, dtype=np.int64)
    a = find_cells(contacts, present, strong, none, seed=7)
    b = find_cells(contacts, present, strong, none, seed=7)
    assert np.array_equal(a.llr, b.llr) and np.array_equal(a.group, b.group)
    empty = find_cells(contacts, present, np.zeros(N, dtype=bool), none, seed=7)
    assert not empty.llr.any() and (empty.group == -1).all()


def test_profile_kinds_count_as_one_kind_toward_strength_and_cells() -> None:
    """New and stories-only together are one trait (a cohort shares both); a content kind beside them is
    a second one."""
    from bastion.graph.association import ONE_KIND_CAP, diverse, strong
    from bastion.graph.signals import NEW_ACCOUNT, SHARED_LINK, STORIES_ONLY

    profile_only = diverse({NEW_ACCOUNT: np.array([2.0]), STORIES_ONLY: np.array([1.4])})
    assert profile_only[0] == ONE_KIND_CAP and strong(profile_only)[0] == 0.0
    with_link = diverse(
        {NEW_ACCOUNT: np.array([2.0]), STORIES_ONLY: np.array([1.4]), SHARED_LINK: np.array([1.8])}
    )
    assert with_link[0] == 2 * ONE_KIND_CAP and strong(with_link)[0] > 0.0

    contacts, present, strong_mask, cell, _ = _world()
    cohort = {NEW_ACCOUNT: present["term"].copy(), STORIES_ONLY: present["link"].copy()}
    cohort[NEW_ACCOUNT][cell] = True
    cohort[STORIES_ONLY][cell] = True  # the cell's members share only the two profile traits
    got = find_cells(contacts, cohort, strong_mask, np.zeros(0, dtype=np.int64), seed=7)
    assert not got.llr[cell].any()


def test_a_circle_sharing_one_trait_is_not_trusted_and_a_cell_is() -> None:
    """Trust (how far ties inside a group count as association): a cell's in full; a circle that shares
    its one kind far more often than the accounts around it, and nothing else, hardly at all."""
    contacts, present, strong, cell, circle = _world()
    got = find_cells(contacts, present, strong, np.zeros(0, dtype=np.int64), seed=7)
    assert got.trust[got.group[cell[0]]] > 0.5
    assert got.trust[got.group[circle[0]]] < 0.2
    assert len(got.trust) == len(got.sizes) and ((got.trust >= 0) & (got.trust <= 1)).all()


def test_ties_inside_one_circle_count_as_its_most_trusted_group_says() -> None:
    from bastion.graph.alike import SameItem, within_circles

    # accounts 0-1 in group 0, 2-3 in group 1 (one circle, trust 0 and 0.25), 4 in group 2 (its own circle),
    # 5 in no group; accounts 0 and 1 also carry a shared link domain
    group = np.array([0, 0, 1, 1, 2, -1])
    circle = np.array([0, 0, 0, 0, 1, -1])
    trust = np.array([0.0, 0.25, 0.0])
    link = np.array([True, True, False, False, False, False])
    pairs = [(0, 1), (2, 0), (1, 3), (3, 2), (0, 4), (4, 5), (5, 2)]
    contacts = sp.csr_matrix(
        (np.full(len(pairs), 2.0), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(6, 6)
    )
    same = SameItem.of(contacts, {SHARED_LINK: link}, {}, np.zeros(6))  # who links what: unknown
    got = within_circles(contacts, group, circle, trust, same.within(circle)).toarray()
    want = {(0, 1): 2.0, (2, 0): 0.5, (1, 3): 0.5, (3, 2): 0.5, (0, 4): 2.0, (4, 5): 2.0, (5, 2): 2.0}
    assert {p: got[p] for p in pairs} == want


def test_the_group_search_reads_ties_whose_ends_share_contacts_that_are_no_hubs() -> None:
    from bastion.graph.cells import HUB_CONTACTS, embedded_ties

    # 0-3 all tied (a clique); 4 a spoke of 0; 5 tied to 0 and 1 (shares one contact with each);
    # 6 and 7 tied, both tied to the hubs 10 and 11 (each tied to more than HUB_CONTACTS accounts)
    pairs = [(a, b) for a in range(4) for b in range(a + 1, 4)] + [(0, 4), (0, 5), (1, 5), (6, 7)]
    n = 12 + 2 * HUB_CONTACTS
    fans = np.arange(12, n)
    pairs += [(6, 10), (7, 10), (6, 11), (7, 11)]
    pairs += [(hub, int(f)) for hub in (10, 11) for f in fans]
    m = sp.csr_matrix((np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(n, n))
    rows, cols = embedded_ties(sp.csr_matrix(m + m.T))
    got = {(int(a), int(b)) for a, b in zip(rows, cols, strict=True)}
    assert got == {(a, b) for a in range(4) for b in range(a + 1, 4)}


def test_a_small_cell_is_one_group_not_a_star_per_seller() -> None:
    """Eight sellers, about half their pairs tied, each followed by a dozen users the recommender pulled
    toward it: CPM made each seller and its followers a star, one seller per group; the cell's own ties
    share contacts and hold it together, and the followers are in no group."""
    from bastion.graph.cells import tight_groups

    rng = np.random.default_rng(1)
    cell = np.arange(8)
    pairs = [(int(a), int(b)) for a in cell for b in cell if a < b and rng.random() < 0.55]
    nxt = 8
    for s in cell:
        pairs += [(int(s), nxt + j) for j in range(12)]
        nxt += 12
    m = sp.csr_matrix((np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(nxt, nxt))
    groups = tight_groups(sp.csr_matrix(m + m.T), np.arange(nxt), seed=7)
    held = max((int(np.isin(g, cell).sum()) for g in groups), default=0)
    assert held >= 6
    assert all(not np.isin(g, np.arange(8, nxt)).any() for g in groups if np.isin(g, cell).any())


def test_only_groups_around_a_strong_account_are_tested_as_cells() -> None:
    """Six strong accounts that know each other, and eight friends who know each other and each one of
    the six: the friends' group has no strong account (nor seed) in it, so it is no candidate cell: it
    gets no cell evidence and adds no chance group to the discount."""
    strong_ones, friends = np.arange(6), np.arange(6, 14)
    pairs = [(a, b) for grp in (strong_ones, friends) for a in grp for b in grp if a < b]
    pairs += [(int(f), int(f) % 6) for f in friends]
    n = 20
    m = sp.csr_matrix((np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), shape=(n, n))
    present = {k: np.isin(np.arange(n), strong_ones) for k in ("term", "link", "stories")}
    present["term"][friends] = True  # the friends share one trait
    strong = np.isin(np.arange(n), strong_ones)
    got = find_cells(m, present, strong, np.zeros(0, dtype=np.int64), seed=7)
    assert len(got.sizes) == 2 and got.tested == 1
    assert len(set(got.group[friends].tolist())) == 1 and got.group[friends[0]] != got.group[0]
    assert (got.llr[friends] == 0).all()
    assert "after testing 1)" in got.words(0)


def test_a_group_its_member_reported_is_documented_not_its_own() -> None:
    """Accounts 0-5 are one group; 0 reported four group-mates and still contacts one (a flagger): none of
    the group is its own; 1 reported one of the four it contacts: half; 2 reported no one; 6 is in no
    group and reported 0."""
    from bastion.graph.contacts import undocumented_share

    n = 8
    group = np.array([0, 0, 0, 0, 0, 0, -1, -1])
    contacts = sp.csr_matrix(
        (np.ones(7), ([0, 1, 1, 1, 2, 2, 6], [5, 2, 3, 4, 1, 3, 7])), shape=(n, n)
    )  # chosen contacts: those with accounts it reported are none (contacts.chosen_contacts)
    reported = sp.csr_matrix((np.ones(6), ([0, 0, 0, 0, 1, 6], [1, 2, 3, 4, 5, 0])), shape=(n, n))
    share = undocumented_share(contacts, reported, group, weight=2.0)
    assert share.tolist() == [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert (undocumented_share(contacts, None, group, weight=2.0) == 1.0).all()


@pytest.mark.parametrize("groups", [12, 600])  # pairs of groups counted in an array, and sorted
def test_circles_join_groups_tied_densely_as_the_sparse_product_says(groups: int) -> None:
    from scipy.sparse.csgraph import connected_components

    from bastion.graph.cells import CIRCLE_DENSITY, _circles

    rng = np.random.default_rng(groups)
    m = 12 * groups
    local_group = np.where(rng.random(m) < 0.9, np.arange(m) % groups, -1)  # about 11 members each
    pairs = rng.integers(0, m, (2 * m, 2))  # scattered ties: two groups share a few at most
    dense = []
    for j in range(0, groups - 1, 4):  # groups j and j + 1 tied densely, for every fourth j
        a, b = np.flatnonzero(local_group == j), np.flatnonzero(local_group == j + 1)
        dense.append(np.column_stack([rng.choice(a, 30), rng.choice(b, 30)]))
    pairs = np.r_[pairs, *dense]
    sym = sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    sym = sp.csr_matrix(sym + sym.T)
    lrows = np.flatnonzero(local_group >= 0)
    of = local_group[lrows]
    size = np.bincount(of, minlength=groups).astype(np.float64)
    member = sp.csr_matrix((np.ones(len(lrows)), (of, lrows)), shape=(groups, m))
    between = sp.coo_matrix(member @ sp.csr_matrix(sym > 0, dtype=np.float64) @ member.T)
    keep = (between.data >= CIRCLE_DENSITY * size[between.row] * size[between.col]) & (
        between.row != between.col
    )
    r, c = between.row[keep], between.col[keep]
    links = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(groups, groups))
    want = connected_components(links, directed=False)[1]
    got = _circles(sym[lrows].tocoo(), of, local_group, size)
    assert np.array_equal(got, want)
    assert 1 < len(np.unique(got)) < groups  # some groups joined, not all


def _cells_and_buyers(
    buyers: int, to_circle: bool = False
) -> tuple[sp.csr_matrix, dict[str, np.ndarray], np.ndarray, list[np.ndarray]]:
    """Eight cells of eight that carry four kinds each; a weak cell of eight that carries two (links and
    stories: its members are silent); a circle of eight friends that carries two (a hobby word and
    stories) and one report; ``buyers`` accounts that each follow three members of the strong cells and
    one of the weak cell (and, ``to_circle``, one of the circle); every account of them with ten random
    contacts among 1,600 others (so the kinds are rare among the candidates)."""
    rng = np.random.default_rng(3)
    blocks = [np.arange(8 * b, 8 * b + 8) for b in range(10)]  # 0-7 strong, 8 weak, 9 circle
    strong_cells, weak, circle = blocks[:8], blocks[8], blocks[9]
    others = np.arange(80, 80 + buyers + 1600)
    pairs = [(int(a), int(b)) for blk in blocks for a in blk for b in blk if a != b]
    pairs += [(int(a), int(rng.choice(others))) for a in range(80) for _ in range(10)]
    for buyer in others[:buyers]:
        pairs += [
            (int(buyer), int(rng.choice(strong_cells[int(c)]))) for c in rng.choice(8, 3, replace=False)
        ]
        pairs.append((int(buyer), int(rng.choice(weak))))
        if to_circle:
            pairs.append((int(buyer), int(rng.choice(circle))))
    n = 80 + buyers + 1600
    a = np.array(pairs)
    contacts = sp.csr_matrix((np.ones(len(a)), (a[:, 0], a[:, 1])), shape=(n, n))
    contacts.data[:] = 1.0
    present = {
        k: np.zeros(n, dtype=bool) for k in (TERM_MATCH, SHARED_LINK, HASH_MATCH, REPORT, STORIES_ONLY)
    }
    for c in strong_cells:
        for k in present:
            present[k][c] = True
    present[SHARED_LINK][weak] = present[STORIES_ONLY][weak] = True
    present[TERM_MATCH][circle] = present[STORIES_ONLY][circle] = True
    present[REPORT][circle[0]] = True
    strong = np.zeros(n, dtype=bool)
    strong[:64] = True
    strong[weak[:2]] = strong[circle[:2]] = True
    return contacts, present, strong, [weak, circle]


def test_a_weak_cell_the_networks_buyers_choose_is_tested_among_the_networks_groups() -> None:
    """A group that carries only two kinds is no more than the best of the chance groups tested beside it,
    as a circle of friends sharing a hobby word and a posting format is; but where the accounts that
    choose its members are the network's buyers (each also chose two or more members of the cells found)
    far more often than chance, it is tested among the network's groups (ranked, as the false discovery
    rate reads them) and lifts its silent members. The circle, that no buyer chose, stays at nothing."""
    contacts, present, strong, (weak, circle) = _cells_and_buyers(buyers=6)
    got = find_cells(contacts, present, strong, np.zeros(0, dtype=np.int64), seed=7)
    assert len(set(got.group[weak].tolist())) == 1 and len(set(got.group[circle].tolist())) == 1
    assert got.llr[weak].min() > 0.5
    assert got.llr[circle].max() < 0.01
    assert "ranked among the groups the network's buyers and facilitators turn to" in got.words(int(weak[0]))
    alone = find_cells(*_cells_and_buyers(buyers=0)[:3], np.zeros(0, dtype=np.int64), seed=7)
    assert alone.llr[weak].max() < 0.01  # without its buyers, as the circle
    assert "ranked" not in alone.words(int(weak[0]))


def test_a_circle_that_shares_only_what_friends_share_is_no_cell_even_where_buyers_know_it() -> None:
    """Friends share a hobby's word and a profile (new, posting stories) innocently, and one of them was
    reported once: that is not what a cell shares (a link domain, a known hash, reports), however many
    of the network's buyers are friends with them and however the group ranks."""
    contacts, present, strong, (weak, circle) = _cells_and_buyers(buyers=6, to_circle=True)
    got = find_cells(contacts, present, strong, np.zeros(0, dtype=np.int64), seed=7)
    assert len(set(got.group[circle].tolist())) == 1
    assert (got.llr[circle] == 0).all() and got.evidence[int(got.group[circle[0]])] <= 0
    assert got.llr[weak].min() > 0.5  # links are what friends do not share


def test_one_members_stray_report_does_not_make_its_circle_of_friends_a_cell() -> None:
    """Where reports are rare (no cell around carries them), one report against one of eight friends who
    share a hobby's word and stories is far above what the candidates' share gives: the group still shares
    nothing that friends do not, as one member's report is that member's (SHARED_BY), not its circle's.
    (On p2p-Gnutella08 such a circle of six, a new cohort, was read as a cell and five flagged.)"""
    contacts, present, strong, (weak, circle) = _cells_and_buyers(buyers=6, to_circle=True)
    present[REPORT][:] = False
    present[REPORT][circle[0]] = True
    got = find_cells(contacts, present, strong, np.zeros(0, dtype=np.int64), seed=7)
    assert len(set(got.group[circle].tolist())) == 1
    assert (got.llr[circle] == 0).all()
    assert got.llr[weak].min() > 0.5  # two or more members sharing a link domain still make a cell


def test_a_circle_that_insiders_choose_as_often_as_chance_says_is_not_chosen_by_them() -> None:
    """Group 0 is found; accounts 12-14 chose two of its members each (insiders: a buyer follows a cell's
    silent sellers as much as its loud ones) and a member of group 1 and of group 2; accounts 15-16 chose
    one of its members and a member of group 1 (no insiders). Group 1 has no other chooser; group 2, a
    circle of friends, is chosen by 200 more accounts: its three insiders are what chance gives."""
    from bastion.graph.cells import chosen_by_insiders

    part, local_group, found = _three_groups_chosen(
        {12: (0, 1, 4, 8), 13: (2, 3, 4, 8), 14: (0, 3, 5, 8), 15: (0, 4), 16: (1, 5)}
    )
    got = chosen_by_insiders(part, local_group, found, tests=np.log(20))
    assert got.tolist() == [True, True, False]
    fewer = part.tolil()
    fewer[14, 5] = 0  # two insiders are not enough (``BRIDGES``), and 15-16 are none
    assert chosen_by_insiders(fewer.tocsr(), local_group, found, tests=np.log(20)).tolist() == [
        True,
        False,
        False,
    ]


def test_an_account_that_only_followed_back_a_cells_members_is_none_of_its_insiders() -> None:
    """Group 0 is found. Accounts 12-14 chose two of its members each and a member of group 1: insiders,
    and group 1 is chosen by the network's insiders. Where each of them followed those two members only
    back, after they followed it (a popular account the sellers follow as camouflage follows back), it is
    no insider, and group 1, the circle it is friends with, is not ranked among the network's cells."""
    from bastion.graph.cells import chosen_by_insiders

    picks = {12: (0, 1, 4), 13: (2, 3, 5), 14: (0, 3, 6)}
    part, local_group, found = _three_groups_chosen(picks)
    assert chosen_by_insiders(part, local_group, found, np.log(20)).tolist() == [True, True, False]
    backs = [(i, c) for i, cs in picks.items() for c in cs if c < 4]
    answered = sp.csr_matrix((np.ones(len(backs)), tuple(zip(*backs, strict=True))), shape=part.shape)
    assert chosen_by_insiders(part, local_group, found, np.log(20), answered).tolist() == [True, False, False]


def test_the_friends_of_a_found_cell_in_its_own_circle_are_none_of_its_insiders() -> None:
    """Accounts 12-14 chose two members of found group 0 each and a member of group 1, as the network's
    buyers do. Where they are a group of their own (3) in another circle, they are its insiders and group 1
    is ranked among the network's cells; where their group is in group 0's circle (a club the group search
    split, one part reported), they are its friends, and group 1 is measured as any other group."""
    from bastion.graph.cells import chosen_by_insiders

    part, local_group, _ = _three_groups_chosen({12: (0, 1, 4), 13: (2, 3, 5), 14: (0, 3, 6)})
    local_group[12:15] = 3
    found = np.array([True, False, False, False])
    apart = chosen_by_insiders(part, local_group, found, np.log(20), circles=np.array([0, 1, 2, 3]))
    assert apart.tolist() == [True, True, False, False]
    friends = chosen_by_insiders(part, local_group, found, np.log(20), circles=np.array([0, 1, 2, 0]))
    assert friends.tolist() == [True, False, False, False]


def _three_groups_chosen(
    picks: dict[int, tuple[int, ...]],
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Groups 0-2 of four candidates each (0-11), group 0 found; ``picks``: who of 12-16 chose whom, and
    200 more accounts (17-216) each chose account 9 of group 2 (its circle of friends)."""
    n = 17 + 200
    rows = [i for i, cs in picks.items() for _ in cs] + list(range(17, n))
    cols = [c for cs in picks.values() for c in cs] + [9] * 200
    part = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    local_group = np.full(n, -1, dtype=np.int64)
    local_group[:12] = np.repeat([0, 1, 2], 4)
    return part, local_group, np.array([True, False, False])


def _friends_with_sites(seed: int = 2) -> tuple[sp.csr_matrix, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A dense circle of 16 friends who use a hobby word and post stories; four of them link a site that
    a few other accounts link too (stray sites elsewhere)."""
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, N, 6 * N), rng.integers(0, N, 6 * N)
    circle = np.arange(100, 116)
    pairs = [(a, b) for a in circle for b in circle if a != b and rng.random() < 0.5]
    src = np.concatenate([src, [a for a, _ in pairs]])
    dst = np.concatenate([dst, [b for _, b in pairs]])
    keep = src != dst
    contacts = sp.csr_matrix((np.ones(int(keep.sum())), (src[keep], dst[keep])), shape=(N, N))
    present = {k: rng.random(N) < 0.03 for k in (TERM_MATCH, STORIES_ONLY, SHARED_LINK)}
    present[TERM_MATCH][circle[:13]] = True
    present[STORIES_ONLY][circle] = True
    present[SHARED_LINK][circle] = False
    present[SHARED_LINK][circle[:4]] = True
    strong = np.zeros(N, dtype=bool)
    strong[circle[:6]] = True
    return contacts, present, strong, circle


def _sites(holders: list[list[int]]) -> dict[str, sp.csr_matrix]:
    rows = [a for group in holders for a in group]
    items = [d for d, group in enumerate(holders) for _ in group]
    return {SHARED_LINK: sp.csr_matrix((np.ones(len(rows)), (rows, items)), shape=(N, len(holders)))}


def test_friends_who_each_share_a_site_with_strangers_are_no_cell() -> None:
    """A link domain a cell's members share is what friends do not share innocently; four friends who each
    link a different small site (a shop, a club) that strangers link too share nothing with each other:
    read so where the graph knows who links what (``AccountGraph.shared``), and as before where it knows
    only who carries the signal."""
    contacts, present, strong, circle = _friends_with_sites()
    none = np.zeros(0, dtype=np.int64)
    outsiders = [500, 510, 520, 530]
    apart = find_cells(
        contacts,
        present,
        strong,
        none,
        7,
        _sites([[int(a), b] for a, b in zip(circle[:4], outsiders, strict=True)]),
    )
    assert not apart.llr[circle].any()
    together = find_cells(
        contacts, present, strong, none, 7, _sites([[int(a) for a in circle[:4]], outsiders])
    )
    assert together.llr[circle].max() > 0.5
    unknown = find_cells(contacts, present, strong, none, 7)
    assert unknown.llr[circle].max() > 0.5


def test_two_friends_are_coordinated_by_the_site_they_share_not_by_each_linking_one() -> None:
    """Two members of one circle that link the same rarely shared site are coordinated (their tie counts
    in full); two that each link a site strangers link too are not, where the graph knows who links what;
    where it knows only who carries the signal, carrying it at both ends is read as before."""
    from bastion.graph.alike import SameItem

    circle = np.array([0, 0, 0, 0, -1, -1])
    pairs = [(0, 1), (1, 0), (2, 3), (0, 2), (4, 5), (0, 4)]
    contacts = sp.csr_matrix((np.ones(len(pairs)), ([a for a, _ in pairs], [b for _, b in pairs])), (6, 6))
    link = np.array([True, True, True, True, True, True])
    # sites: 0 held by accounts 0 and 1; 1 by 2 and 4; 2 by 3 and 5 (4 and 5 are outside the circle)
    held = sp.csr_matrix((np.ones(6), ([0, 1, 2, 4, 3, 5], [0, 0, 1, 1, 2, 2])), shape=(6, 3))
    got = SameItem.of(contacts, {SHARED_LINK: link}, {SHARED_LINK: held}, np.zeros(6)).within(circle)
    coo = contacts.tocoo()
    by_pair = {(int(a), int(b)): bool(got[k]) for k, (a, b) in enumerate(zip(coo.row, coo.col, strict=True))}
    assert by_pair == {(0, 1): True, (1, 0): True, (2, 3): False, (0, 2): False, (4, 5): False, (0, 4): False}
    carried = SameItem.of(contacts, {SHARED_LINK: link}, {}, np.zeros(6)).within(circle)
    assert int(carried.sum()) == 4  # every tie inside the circle: all carry the kind
