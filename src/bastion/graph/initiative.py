"""Who chose a contact: of two accounts that follow each other, the one that followed first; of two that
write to each other, the one that started the conversation.

Sellers follow and write to the users they advertise to or groom; many users follow back whoever follows
them (a teenager's follow-for-follow habit, an auto-follow-back tool), and a child who is groomed answers.
A follow-back and a reply answer the seller's choice. Read from the follow times and the messages'
``initiated_by_sender``, so it says nothing on a platform that sends neither.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from bastion.graph.contacts import positions
from bastion.graph.container import FOLLOW, MESSAGE, REPLY, AccountGraph, BoolArray, IntArray

#: Group-mates an account followed back, to be drawn into its group (:func:`_drawn_in`).
DRAWN_BACK = 3


def answers(
    graph: AccountGraph,
    of: BoolArray,
    group: IntArray | None = None,
    peers: BoolArray | None = None,
    by: BoolArray | None = None,
) -> sp.csr_matrix:
    """Entry (i, j) is 1 where j is one of ``of`` and all i did toward j answered j: it followed j back
    (``followed_back``) or wrote to j only in a conversation j started (the ``reply`` layer), and did
    neither first (a follow it made first, or a conversation it started where the platform says who
    started its conversations, is its own choice). Inside one
    tight group (``group``, -1: none; ``cells.py``) an account that followed a group-mate first itself is a
    peer and answers no one there: a seller whose cell-mates happened to follow it before it followed them
    chose them as much; a user the sellers reached out to, drawn into their group by their contacts, chose
    none of them first. ``peers``: :func:`chose_in_group` of ``group``, where the caller has it. ``by``:
    only the answers these accounts gave (rows), read from their own follows and replies alone."""
    n = graph.n
    back = followed_back(graph, of, by)
    replies = graph.layer(REPLY)
    rows, cols = back.nonzero()
    if replies.nnz:
        r, c = replies.nonzero()
        keep = of[c] if by is None else of[c] & by[r]
        rows, cols = np.concatenate([rows, r[keep]]), np.concatenate([cols, c[keep]])
    if not len(rows):
        return sp.csr_matrix((n, n))
    pairs = np.unique(rows.astype(np.int64) * n + cols)
    rows, cols = np.divmod(pairs, np.int64(n))
    by_follow_back = positions(back, rows, cols) >= 0
    first = (positions(graph.layer(FOLLOW), rows, cols) >= 0) & ~by_follow_back
    keep = ~first
    started = conversations_started(graph)
    if started is not None:  # the platform says who started its conversations: one i started is its choice
        keep &= positions(started, rows, cols) < 0
    if group is not None and _timed(graph):  # who followed a group-mate first is known only from times
        peer = _peers(graph, group) if peers is None else peers
        keep &= (group[rows] != group[cols]) | (group[rows] < 0) | ~peer[rows]
    rows, cols = rows[keep], cols[keep]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def conversations_started(graph: AccountGraph) -> sp.csr_matrix | None:
    """Row i -> column j: 1 where i wrote to j in a conversation i started (its messages to j are no reply);
    None where the platform does not say who started its conversations (no ``reply`` layer)."""
    replies = graph.layer(REPLY)
    if not replies.nnz:
        return None
    wrote = graph.layer(MESSAGE).sign()
    started = (wrote - wrote.multiply(replies.sign())).tocsr()
    started.eliminate_zeros()
    started.sort_indices()
    return started


def followed_back(graph: AccountGraph, of: BoolArray, by: BoolArray | None = None) -> sp.csr_matrix:
    """Entry (i, j) is 1 where j is one of ``of``, i follows j and i's first follow of j came after j's
    first follow of i (i followed back); empty where the platform sent no follow times. ``by``: only
    where i is one of these. Reads only the follows into and out of ``of`` (or ``by``, where given), so
    its cost follows their degrees."""
    n = graph.n
    ft = graph.follow_times
    if ft is None or not len(ft.src) or not of.any() or (by is not None and not by.any()):
        return sp.csr_matrix((n, n))
    near = of if by is None else by
    a, b, late = _first_follows(ft.src, ft.dst, ft.t, n, near[ft.src] | near[ft.dst], of)
    if by is not None:
        late = late & by[a]
    return sp.csr_matrix((np.ones(int(late.sum())), (a[late], b[late])), shape=(n, n))


def chose_in_group(graph: AccountGraph, group: IntArray) -> BoolArray:
    """Accounts that followed a member of their own tight group (``group``, -1: none) first, one that was
    not itself drawn in, and every account where the platform sent no follow times (nothing is known
    against it). A user the sellers all follow and write to, who follows some of them back, is drawn into
    their group by their choices; a member of a cell chose cell-mates itself. Two such users who know
    each other (popular accounts that follow back everyone) are both in the sellers' group by the
    sellers' choices, and the one that followed the other first chose no one the group chose
    (:func:`_drawn_in`)."""
    return _peers(graph, group) if _timed(graph) else np.ones(graph.n, dtype=bool)


def _timed(graph: AccountGraph) -> bool:
    """Whether the platform sent follow times (without them no one is known to have followed first)."""
    return graph.follow_times is not None and len(graph.follow_times.src) > 0


def _peers(graph: AccountGraph, group: IntArray) -> BoolArray:
    """Accounts that followed a member of their own tight group first, one not drawn in (no follow times:
    none known)."""
    peer = np.zeros(graph.n, dtype=bool)
    ft = graph.follow_times
    if ft is None or not len(ft.src):
        return peer
    of = group[ft.src]
    inside = (of >= 0) & (of == group[ft.dst])
    a, b, late = _first_follows(ft.src, ft.dst, ft.t, graph.n, inside, np.ones(graph.n, dtype=bool))
    first = ~late & ~_drawn_in(a, b, late, graph.n)[b]
    peer[a[first]] = True
    return peer


def _drawn_in(a: IntArray, b: IntArray, late: BoolArray, n: int) -> BoolArray:
    """The accounts of a group that are in it by its members' choices: each followed back at least
    ``DRAWN_BACK`` group-mates and chose first only group-mates drawn in as well (the largest such set:
    users the sellers follow, and the users they know). Of a seller cell, at most the members that
    followed no cell-mate first but drawn-in ones: a cell-mate it chose first that chose a cell-mate
    first itself takes it out, and so on along the chain. Read in one search, not round by round: an
    account is out where its first follows lead, through any chain, to one that followed back too few."""
    many = np.bincount(a[late], minlength=n) >= DRAWN_BACK
    first = ~late
    # who chose whom first, reversed, and one more node before every account that followed back too few:
    # what that node reaches is out
    rows = np.concatenate([b[first], np.full(int((~many).sum()), n)])
    cols = np.concatenate([a[first], np.flatnonzero(~many)])
    reversed_first = sp.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n + 1, n + 1))
    out = breadth_first_order(reversed_first, n, directed=True, return_predecessors=False)
    drawn = many.copy()
    drawn[out[out < n]] = False
    return drawn


def _first_follows(
    src: IntArray, dst: IntArray, t: IntArray, n: int, read: BoolArray, to: BoolArray
) -> tuple[IntArray, IntArray, BoolArray]:
    """The first follow of each pair among the ``read`` events whose target is one of ``to``: follower,
    followed, and whether it came after the followed account's first follow of the follower."""
    at = np.flatnonzero(read)  # a few of many events: found once, then gathered
    key = src[at] * np.int64(n) + dst[at]
    when = t[at]
    order = np.argsort(key)  # each pair's earliest follow: the least time of its run (a lexsort was slower)
    key, when = key[order], when[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
    key, when = key[first], np.minimum.reduceat(when, first) if len(first) else when[first]
    a, b = np.divmod(key, np.int64(n))
    mine = to[b]
    a, b, when_ab = a[mine], b[mine], when[mine]
    back = b * np.int64(n) + a
    at = np.minimum(np.searchsorted(key, back), max(len(key) - 1, 0))
    late = (key[at] == back) & (when_ab > when[at]) if len(key) else np.zeros(0, dtype=bool)
    return a, b, np.asarray(late, dtype=bool)
