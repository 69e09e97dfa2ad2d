"""Which contacts are independent evidence of association, and which are friends alike in what they share.

Ties inside one circle of tight groups (``cells.py``) count only as far as the more trusted of the two
ends' groups allows: a group that shares one trait far more often than the accounts around it and is no
cell (friends who joined together and use a hobby word) is a circle of alike accounts, each strong for the
same reason, so their ties to each other are not ties to *independent* strong members. Two ends that share
the item of a coordination signal (the same link domain, which few accounts share) count in full. The
group search may spread such a circle over groups that are no circle, so a friendship (contacts both
ways) between two accounts that show nothing but traits friends share counts for neither, wherever they
are grouped, and so does a contact one way between two such accounts that are both strong (where friends
often do not follow back: ``without_alike_friendships``).

Holding the same item is itself each holder's own evidence (``shared_link``: a domain shared with the
others), so a strong account that holds the same item as the account it is tied to is read, for that tie,
without that kind (``SameItem``): otherwise the one shared domain counts for each holder once as its own
signal and again through each fellow holder (a club whose members link its site and use a word on the
lexicon read as a network of friends of strong members, each strong for the same two facts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bastion.core.signals import lookup
from bastion.graph.contacts import positions, row_entries
from bastion.graph.container import BoolArray, FloatArray, IntArray
from bastion.graph.kernels import weigh_circles


def within_circles(
    contacts: sp.csr_matrix, group: IntArray, circle: IntArray, trust: FloatArray, coordinated: BoolArray
) -> sp.csr_matrix:
    """``contacts`` with each tie between two members of one circle of tight groups (``group``, ``circle``:
    -1 none) weighed by the more trusted of their two groups (``trust``, 0..1), unless the tie is
    ``coordinated`` (per stored entry, :meth:`SameItem.within`: a shared link domain is not a shared
    taste); every other tie as it is."""
    # a copy: the caller's contacts stay as they are (only circle members' rows are read)
    data = weigh_circles(
        contacts.indptr, contacts.indices, contacts.data, group, circle, np.asarray(trust), coordinated
    )
    return sp.csr_matrix((data, contacts.indices, contacts.indptr), shape=contacts.shape)


def _hold_same(
    rows: IntArray, cols: IntArray, carriers: Mapping[str, BoolArray], items: Mapping[str, sp.csr_matrix]
) -> BoolArray:
    """Per pair (``rows[k]``, ``cols[k]``): both carry a coordination kind (``carriers``: per such kind, who
    carries it) and, where the graph knows what each holder shares (``items``), hold the same item of it,
    the same rarely shared link domain: two friends who each share a site with strangers share nothing with
    each other. Where it knows only who carries the kind, carrying it at both ends is holding the same."""
    out = np.zeros(len(rows), dtype=bool)
    for kind, carries in carriers.items():
        both = np.asarray(carries[rows] & carries[cols], dtype=bool)
        held = items.get(kind)
        if held is not None and both.any():
            at = np.flatnonzero(both)
            both[at] = np.asarray(held[rows[at]].multiply(held[cols[at]]).sum(axis=1)).ravel() > 0
        out |= both
    return out


@dataclass(frozen=True, slots=True)
class SameItem:
    """The contacts whose two ends hold the same item of a coordination kind (as stored: ``rows[k]`` chose
    ``cols[k]``), and each account's own evidence without those kinds (as ``association.diverse`` reads
    it): what a fellow holder is read at, for that tie (see the module docstring)."""

    rows: IntArray
    cols: IntArray
    apart: FloatArray
    #: where each of these contacts is stored in the contacts it was read from, and how many they were
    at: IntArray
    stored: int
    #: per account, the item it holds (one number across kinds), -1 none
    item: IntArray

    @classmethod
    def of(
        cls,
        contacts: sp.csr_matrix,
        carriers: Mapping[str, BoolArray],
        items: Mapping[str, sp.csr_matrix],
        apart: FloatArray,
    ) -> SameItem:
        """``carriers``: per coordination kind, who carries it; ``items``: ``AccountGraph.shared``."""
        holders = np.logical_or.reduce([np.zeros(contacts.shape[0], dtype=bool), *carriers.values()])
        pos, rows, cols = row_entries(contacts, np.flatnonzero(holders))
        same = _hold_same(rows, cols, carriers, items)
        rows, cols = rows[same].astype(np.int64), cols[same].astype(np.int64)
        item = _items_held(contacts.shape[0], carriers, items)
        return cls(rows, cols, np.asarray(apart, dtype=np.float64), pos[same], contacts.nnz, item)

    def less(
        self,
        rows: IntArray,
        cols: IntArray,
        full: FloatArray,
        apart: FloatArray,
        friends: BoolArray | None = None,
    ) -> FloatArray:
        """Per contact (``rows[k]`` with ``cols[k]``), what comes off ``cols[k]``'s strength (``full``; read
        without the coordination kinds: ``apart``): all the item gives it where ``rows[k]`` holds the same
        item (its own evidence already); and where it does not and they are friends (``friends``, per
        contact; all where not given), all but once: of the friends holding one item, the strongest is
        read with it and the rest without (the friends of a circle of forty who link one shop site are
        friends with one fact, not forty; a buyer's one-way follows of a cell's sellers that share a
        storefront are several choices, as ``association._group_gain`` reads a cell)."""
        rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        gives = np.maximum(full[cols] - apart[cols], 0.0)
        fellow = self.holds(rows, cols)
        out = np.where(fellow, gives, 0.0)
        key = self.item[cols]
        once = (key >= 0) & ~fellow & (gives > 0)
        idx = np.flatnonzero(once if friends is None else once & friends)
        if len(idx):
            idx = idx[np.lexsort((-gives[idx], key[idx], rows[idx]))]  # per (account, item) the most first
            again = np.zeros(len(idx), dtype=bool)
            again[1:] = (rows[idx][1:] == rows[idx][:-1]) & (key[idx][1:] == key[idx][:-1])
            out[idx[again]] = gives[idx[again]]
        return out

    def within(self, circle: IntArray) -> BoolArray:
        """Per stored entry of the contacts these were read from, whether it is one of them and its two
        ends are in one circle of tight groups (``circle``, -1: none): a tie that counts in full inside
        a circle, since a shared rarely shared link domain is no shared taste (:func:`within_circles`)."""
        out = np.zeros(self.stored, dtype=bool)
        inside = (circle[self.rows] >= 0) & (circle[self.rows] == circle[self.cols])
        out[self.at[inside]] = True
        return out

    def holds(self, rows: IntArray, cols: IntArray) -> BoolArray:
        """Per pair (``rows[k]`` chose ``cols[k]``), whether it is one of these contacts."""
        if not len(self.rows):
            return np.zeros(len(rows), dtype=bool)
        n = np.int64(len(self.apart))
        keys = np.sort(self.rows * n + self.cols)
        want = np.asarray(rows, dtype=np.int64) * n + np.asarray(cols, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        return np.asarray(keys[at] == want, dtype=bool)


def _items_held(n: int, carriers: Mapping[str, BoolArray], items: Mapping[str, sp.csr_matrix]) -> IntArray:
    """Per account, one number for the item it holds (the first kind's, its first item), -1 for none; where
    the graph knows only who carries a kind, its carriers hold one item of it together."""
    out = np.full(n, -1, dtype=np.int64)
    base = 0
    for kind in sorted(carriers):
        carries = np.asarray(carriers[kind], dtype=bool) & (out < 0)
        held = items.get(kind)
        if held is None:
            out[carries] = base
            base += 1
            continue
        held = sp.csr_matrix(held)
        has = carries & (np.diff(held.indptr) > 0)
        out[has] = base + held.indices[held.indptr[:-1][has]]
        base += held.shape[1]
    return out


def shows_only_traits(present: Mapping[str, BoolArray], n: int, seeds: IntArray) -> BoolArray:
    """Accounts whose own signals (``present``: per kind, who carries it) are all of kinds friends share
    innocently (``SignalKind.profile``, ``SignalKind.friends_share``), or none, and that are no seed."""
    beyond = np.zeros(n, dtype=bool)  # shows a kind friends do not share, or is a seed
    for kind, carries in present.items():
        k = lookup(kind)
        if not (k.profile or k.friends_share):
            beyond |= np.asarray(carries, dtype=bool)
    beyond[seeds] = True
    return ~beyond


def without_alike_friendships(counted: sp.csr_matrix, alike: BoolArray, strong: BoolArray) -> sp.csr_matrix:
    """``counted`` with no weight on a contact between two accounts that show nothing but traits friends
    share (``alike``, from :func:`shows_only_traits`): a friendship (contacts both ways) where one of them
    is strong (only a strong end makes a tie or a reach count), and a contact one way where both are.

    A circle of new friends who use a hobby word is each strong for the same reasons, and each is then
    tied to many strong accounts: as a circle, through ``within_circles``, only where the group search
    happens to put it in one group, which it does not where the circle is spread over several. Where
    following is one way (a photo app), most friends do not follow back, so two strong alike accounts
    are read as friends however they are tied. Two strangers are not friends: an account that is not
    strong and follows a strong one (one way: a buyer that follows a seller) is read as before, and so is
    any contact with an account that shows a kind friends do not share (a report, a known hash, a shared
    link domain, a blocked search) or that is a seed.
    """
    strong_alike = alike & strong
    pos, src, dst = row_entries(counted, np.flatnonzero(strong_alike))
    ok = alike[dst] & (dst != src)
    pos, src, dst = pos[ok], src[ok], dst[ok]
    back = positions(counted, dst, src)
    mutual = back >= 0
    data = counted.data.astype(np.float64)  # a copy: the caller's matrix stays as it is
    data[pos[mutual | strong_alike[dst]]] = 0.0  # each one-way contact is in its own chooser's row
    data[back[mutual]] = 0.0
    return sp.csr_matrix((data, counted.indices, counted.indptr), shape=counted.shape)
