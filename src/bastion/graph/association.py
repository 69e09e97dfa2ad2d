"""Association evidence: ties to strong members, one hop, read against what chance gives an account.

Two features, one per direction, so no contact counts twice for one account:
- ``tie`` (seller side): strong members this account is friends with (each chose to contact the other:
  the users sellers follow and write to, to advertise or groom, are their targets, not their peers);
- ``reach`` (buyer side): strong sellers this account *chose* to contact, each also read with what its
  cell (``cells.py``) adds to it (a cell of its friends once), never for the account's own cell;
a friend is one tie, not also a reach: ``counted_once`` takes the shared part off ``reach``.
Only strong neighbours count: a neighbour's strength is a ramp on its log-odds evidence of its *own*, so
weak suspicion never spreads, and nothing reached through association feeds association again (no
cascade). Each kind of evidence adds at most ``ONE_KIND_CAP`` to that strength and the ramp starts there, so
a neighbour strong on one kind alone (a code word a hobby community shares, one link domain) never counts:
people who share a trait befriend each other, and a trait shared along friendships is homophily, not a
network. Each contact is damped by how indiscriminate its chooser is (an account that follows thousands
says little by following one more). The evidence is the
Poisson log-likelihood ratio of the observed count of strong contacts under "member" (at least two, or a
share ``MEMBER_SHARE`` of its contacts) against chance *on this platform*: the share of ordinary accounts'
contact weight that lands on strong accounts (for ``tie``, the share of the contact weight into ordinary
accounts that comes from strong ones), times the account's own contacts, so a popular account and a
platform whose recommender pulls ordinary users toward sellers both expect more: R log(m / c) - (m - c).
One chance contact among forty is nothing, three among forty is a lot, thirty among two thousand (a bulk
follower, a popular account that sellers follow as camouflage) is nothing. One strong contact alone says
nothing (``contact_llr``: "several"), unless the account shows evidence of its own of a kind friends do not
share (a report, a known hash, a shared link domain, a blocked search, a seed: ``corroborated``); then the
contact it chose corroborates it, as a seller of a sparse cell that follows one cell-mate and shares their
link domain: association still never makes a member by itself. Only ``reach`` reads it: in ``tie`` the
friend may be strong for the traits the account shares with it (a circle that uses a hobby's word, one of
whom also has a stray link), so one friend there is not independent.

Contacts that are no independent evidence (ties inside a circle of alike friends, friendships between
accounts that show only traits friends share) are weighed down before either feature reads them
(``alike.py``).

A follow that answered a strong account's follow, or a message in a conversation it started, was that
account's choice (``initiative.answers``): such contacts count, in ``tie`` and ``reach`` alike, only as far
as the account also chose strong accounts first (a user who follows back everyone who follows it, as
many teenagers do, or a child who answers a groomer, answered the sellers who reached out to it); inside
one tight group, an account that followed a group-mate first itself is a peer, whoever followed first.

An account that reports another is documenting it, not associating with it: a contact with an account
it reported is no chosen contact at all (``contacts.chosen_contacts``), and each strong account it
reported weighs against its reach as much as ``REPORTED_WEIGHT`` it contacts (``reach_out``), and against
its ties as much as that many friends (``tie_in``): the people who follow a network to report it (a
trusted flagger, a researcher, a parent) were read as its buyers, and a journalist who reports some of its
sellers and talks with others, who answer and follow back, as its seller. A buyer that reports one seller
of several is still read by the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from bastion.core.signals import lookup
from bastion.graph.alike import SameItem
from bastion.graph.contacts import positions, row_entries
from bastion.graph.container import (
    BoolArray,
    FloatArray,
    IntArray,
)

#: Strength ramp on a neighbour's own evidence (log-odds, each kind capped at ONE_KIND_CAP): it counts from
#: STRONG_LO (more than one kind) and in full from STRONG_HI (two strong kinds and a third).
ONE_KIND_CAP = 1.5
STRONG_LO, STRONG_HI = ONE_KIND_CAP, 3.5
#: The "member" hypothesis of the ratio: a member's strong contacts number at least MEMBER_COUNT, or
#: MEMBER_SHARE of its contacts, and at least four times what chance gives it.
MEMBER_COUNT, MEMBER_SHARE = 2.0, 0.1
#: Out-degree up to which a chooser counts in full; above, each contact weighs sqrt(FULL / out-degree).
FULL_OUT_DEGREE = 50.0
#: How many contacted strong accounts one strong account the account reported cancels in its reach.
REPORTED_WEIGHT = 2.0
#: No association feature says more than this (log-odds).
MAX_LLR = 6.0
#: Chance's count is floored here: on a platform where ordinary accounts almost never contact strong ones,
#: two contacts are still a finite amount of evidence.
CHANCE_FLOOR = 0.02


def diverse(parts: Mapping[str, FloatArray]) -> FloatArray:
    """Sum of evidence kinds, each in favour only and capped at ``ONE_KIND_CAP``, the profile kinds (an
    account's age and posting format, ``SignalKind.profile``) together as one: what ``strong`` reads."""
    n = len(next(iter(parts.values()))) if parts else 0
    total, profile = np.zeros(n), np.zeros(n)
    for kind, p in parts.items():
        if lookup(kind).profile:
            profile = profile + np.clip(p, 0.0, None)
        else:
            total = total + np.clip(p, 0.0, ONE_KIND_CAP)
    return np.asarray(total + np.minimum(profile, ONE_KIND_CAP), dtype=np.float64)


def strong(evidence: FloatArray) -> FloatArray:
    """How much a neighbour counts, from its evidence in log-odds (0 below STRONG_LO, 1 from STRONG_HI)."""
    return np.asarray(np.clip((evidence - STRONG_LO) / (STRONG_HI - STRONG_LO), 0.0, 1.0), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Association:
    """One feature: strong contacts counted, contacts in all, the count chance predicts, and the evidence."""

    count: FloatArray
    total: FloatArray
    expected: FloatArray
    llr: FloatArray
    #: strong contacts not counted: inside the account's own circle of friends, which is no cell, or
    #: friends (contacts both ways) that, like it, show nothing but traits friends share
    within: FloatArray | None = None
    #: (reach) strong contacts that also contacted the account: already counted as ties in
    mutual: FloatArray | None = None
    #: (reach) the part of ``count`` that the cells of the contacted members add (a friend's cell once)
    from_cells: FloatArray | None = None
    #: (reach) how strong each account was read as a contact (its own evidence and its cell's gain)
    strength: FloatArray | None = None
    #: strong accounts it reported, as strong as read (each cancels ``REPORTED_WEIGHT`` contacts)
    reported: FloatArray | None = None
    #: strong accounts not counted: it only followed them back, more of them than it chose first itself
    answered: FloatArray | None = None
    #: (tie) strong friends that only answered it (followed it back, replied to it) after it chose them:
    #: counted, but they say it is inside, not on their side
    answered_it: FloatArray | None = None
    #: (tie) the evidence without them: what roles read as the seller's side (``llr`` where none)
    side: FloatArray | None = None
    #: accounts for which one strong contact counts: they show evidence of their own friends do not share
    corroborated: BoolArray | None = None
    #: the strength of strong contacts not counted: they hold the same item (link domain) as the account,
    #: which is already its own evidence, or, friends that hold one item the account does not, the item
    #: past its first (``alike.SameItem.less``)
    shared: FloatArray | None = None
    #: what each contact with a strong account adds to ``count`` (its weight times the strength it was read
    #: at), one per such contact on the platform: the null draws its chance contacts from these (chance.py)
    weights: FloatArray | None = None
    #: accounts that hold an item themselves (for the words of ``shared``)
    holder: BoolArray | None = None

    def words(self, i: int, what: str) -> str:
        text = (
            f"{what} {self.count[i]:.1f} strong member(s) among {self.total[i]:.0f} contact(s) "
            f"({self.expected[i]:.2f} expected by chance on this platform), {self.llr[i]:+.1f} log-odds"
        )
        if self.within is not None and self.within[i] >= 0.05:
            text += (
                f"; {self.within[i]:.1f} more not counted: inside its own circle of friends, alike in "
                "the traits they share and no cell (not independent)"
            )
        if self.from_cells is not None and self.from_cells[i] >= 0.05:
            text += (
                f"; {self.from_cells[i]:.1f} of that count from the evidence of the cells those members are "
                "in (the cell of members that are its friends counted once)"
            )
        if self.answered is not None and self.answered[i] >= 0.05:
            text += (
                f"; {self.answered[i]:.1f} more not counted: it followed them back after they followed it, "
                "more of them than it chose to follow first (their choice, not its)"
            )
        if self.answered_it is not None and self.answered_it[i] >= 0.05:
            text += (
                f"; {self.answered_it[i]:.1f} of them only answered it (followed it back or replied) after "
                "it chose them: that says it is inside, not on their side (its role reads them as its reach)"
            )
        if self.corroborated is not None and self.corroborated[i] and self.count[i] < 2.0 and self.llr[i] > 0:
            text += (
                "; fewer than two count only because it shows evidence of its own of a kind friends do not "
                "share"
            )
        if self.mutual is not None and self.mutual[i] >= 0.05:
            text += f"; {self.mutual[i]:.1f} of them contacted it too: those ties are counted once"
        if self.shared is not None and self.shared[i] >= 0.05:
            if self.holder is not None and self.holder[i]:
                text += (
                    f"; {self.shared[i]:.1f} less: some hold the link domain it holds, which is its own "
                    "evidence already, and are read without it"
                )
            else:
                text += (
                    f"; {self.shared[i]:.1f} less: friends that hold one link domain are read with it once, "
                    "the others without it (one domain counts once, not once per holder)"
                )
        if self.reported is not None and self.reported[i] >= 0.05:
            text += (
                f"; it reported {self.reported[i]:.1f} strong account(s), each counted against "
                f"{REPORTED_WEIGHT:g} contacts (an account that reports them documents them)"
            )
        return text


def contact_llr(
    count: FloatArray, total: FloatArray, expected: FloatArray, corroborated: BoolArray | None = None
) -> FloatArray:
    """The Poisson ratio of the count under "member" against chance, zero below two strong contacts
    ("several", not one chance follow) except for the ``corroborated`` accounts, for which one counts."""
    chance = np.maximum(expected, CHANCE_FLOOR)
    member = np.maximum(np.maximum(MEMBER_COUNT, MEMBER_SHARE * total), 4.0 * chance)
    raw = count * np.log(member / chance) - (member - chance)
    alone = 0.0 if corroborated is None else np.asarray(corroborated, dtype=np.float64)
    several = np.clip(count - 1.0 + alone, 0.0, 1.0)
    return np.asarray(np.clip(raw, 0.0, MAX_LLR) * several, dtype=np.float64)


def _flow(contacts: sp.csr_matrix, chooser: FloatArray, target: FloatArray) -> float:
    """Contact weight from accounts (each weighted by ``chooser``) to accounts (weighted by ``target``)."""
    return float(chooser @ (contacts @ target))


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def chooser_damping(contacts: sp.csr_matrix) -> FloatArray:
    out_deg = np.asarray(contacts.sum(axis=1)).ravel()
    return np.asarray(np.sqrt(np.minimum(1.0, FULL_OUT_DEGREE / np.maximum(out_deg, 1.0))), dtype=np.float64)


def tie_in(
    contacts: sp.csr_matrix,
    own: FloatArray,
    counted: sp.csr_matrix | None = None,
    answered: sp.csr_matrix | None = None,
    same: SameItem | None = None,
    reported: sp.csr_matrix | None = None,
    answered_by: sp.csr_matrix | None = None,
) -> Association:
    """Seller side: strong accounts (by their own evidence, log-odds) that chose to contact each account and
    that it chose back, against the share of its incoming contacts that chance gives strong choosers on
    this platform (the share of contacts into ordinary accounts that come from strong ones: a popular
    account that sellers follow as camouflage expects many).

    Being contacted is not a choice: sellers follow popular and random accounts as camouflage, and follow
    and write to the users they advertise to or groom, who may follow one of them back; those accounts are
    their audience and their targets, not their peers. Only a friendship (contacts both ways) with a strong
    account is a tie. ``counted``: the contacts whose strong ends are counted (:func:`alike.within_circles`);
    totals and chance read all of ``contacts``. ``same``: friends that hold the same link domain as the
    account are read at their strength without it (``alike.SameItem``). ``reported``: who reported whom;
    each strong account an account reported takes ``REPORTED_WEIGHT`` friends off its count, as in
    :func:`reach_out` (a journalist who reports a network and talks with some of its sellers, who answer
    and follow back, documents it). ``answered_by``: entry (j, i) where strong j only answered i
    (``initiative.answers`` with ``by``: it followed i back or replied in a conversation i started). Such
    a friendship says i is inside as much as any (the sellers took it up), but not on their side: i
    chose them and they answered, as sellers answer a buyer that writes to them. ``side`` is the
    feature read without them, for roles alone.
    """
    counted = contacts if counted is None else counted
    damp = chooser_damping(contacts)  # each chooser's contacts weighed by it
    s = strong(own)
    pos, src, dst = row_entries(contacts, np.flatnonzero(s > 0))  # strong choosers' contacts alone
    back = positions(contacts, dst, src) >= 0
    pos, src, dst = pos[back], src[back], dst[back]
    at = positions(counted, src, dst)
    seen = s[src] if same is None else s[src] - same.less(dst, src, s, strong(same.apart))
    weight = damp[src] * seen
    n = len(s)
    read = np.where(at >= 0, counted.data[np.maximum(at, 0)], 0.0)  # as ``counted`` weighs each
    added = read * weight  # what each friendship with a strong account adds to the count
    shared = np.bincount(dst, weights=read * damp[src] * (s[src] - seen), minlength=n).astype(np.float64)
    both_ways = np.asarray(
        np.bincount(dst, weights=contacts.data[pos] * weight, minlength=n), dtype=np.float64
    )
    every = np.asarray(np.bincount(dst, weights=added, minlength=n), dtype=np.float64)
    # follow-backs count only as far as the account also chose strong friends itself
    back_of = np.zeros(len(dst), dtype=bool) if answered is None else positions(answered, dst, src) >= 0
    replied = np.asarray(np.bincount(dst, weights=added * back_of, minlength=n), dtype=np.float64)
    kept = _first_chosen(every, replied)
    against = np.zeros(n) if reported is None else np.asarray(reported @ s).ravel()
    count = np.maximum(kept - REPORTED_WEIGHT * against, 0.0)
    total = np.asarray(contacts.T @ damp).ravel()
    into_ordinary = contacts @ (1.0 - s)  # both flows below end on ordinary accounts
    share = _share(float((damp * s) @ into_ordinary), float(damp @ into_ordinary))
    llr = contact_llr(count, total, total * share)
    answers_to, side = None, llr
    if answered_by is not None and answered_by.nnz:  # the strong friends that only answered it
        only = positions(answered_by, src, dst) >= 0
        answers_to = np.bincount(dst, weights=added * only, minlength=n).astype(np.float64)
        chose = np.maximum(_first_chosen(every - answers_to, replied) - REPORTED_WEIGHT * against, 0.0)
        side = contact_llr(chose, total, total * share)
    return Association(
        count,
        total,
        total * share,
        llr,
        both_ways - every,
        answered=every - kept,
        reported=None if reported is None else against,
        answered_it=answers_to,
        side=side,
        weights=np.asarray(added[added > 0], dtype=np.float64),
        shared=shared,
        holder=None if same is None else same.item >= 0,
    )


def _first_chosen(count: FloatArray, replied: FloatArray) -> FloatArray:
    """``count`` with its follow-backs (``replied``, part of it) counted only up to what the account chose
    first itself: one who follows back every account that follows it answers sellers' outreach."""
    first = count - replied
    return np.asarray(first + np.minimum(replied, first), dtype=np.float64)


def reach_out(
    contacts: sp.csr_matrix,
    seller: FloatArray,
    counted: sp.csr_matrix | None = None,
    groups: tuple[IntArray, FloatArray] | None = None,
    reported: sp.csr_matrix | None = None,
    answered: sp.csr_matrix | None = None,
    corroborated: BoolArray | None = None,
    same: SameItem | None = None,
) -> Association:
    """Buyer side: strong sellers (seller-side log-odds) each account chose to contact, against the share
    of ordinary accounts' contacts that land on strong sellers on this platform (recommendations that pull
    ordinary users toward sellers raise it, and with it what one contact needs to say anything).

    ``reported``: who reported whom (``reports_made``); each strong account an account reported takes
    ``REPORTED_WEIGHT`` off its count of strong contacts (never below none).

    ``groups``: (group per account, -1 none; what a group adds to each member's log-odds). An account that
    turns to a group's members reads each at ``seller`` plus what the group adds (``_group_gain``), never
    inside the account's own group, whose evidence holds the account's own signals.

    ``answered``: contacts that answered a strong account's (``initiative.answers``); they count
    only as far as the account also chose strong accounts first, as in :func:`tie_in`. ``corroborated``:
    accounts for which one strong contact counts (see the module docstring). ``same``: strong accounts that
    hold the same link domain as the account are read at their own strength without it (``alike.SameItem``;
    what their cell adds is read as for any other)."""
    counted = contacts if counted is None else counted
    alone = strong(seller)
    count = np.asarray(counted @ alone).ravel()
    within = np.asarray(contacts @ alone).ravel() - count
    shared, less = _less_for_same(counted, alone, same)
    count = np.maximum(count - shared, 0.0)
    s, from_cells = alone, None
    if groups is not None:
        group, gain = groups
        s = strong(seller + gain)
        from_cells = _group_gain(contacts, counted, group, s - alone)
        count = count + from_cells
    only_answered = None
    if answered is not None and answered.nnz:
        replied = np.minimum(_through(counted, answered, s), count)
        kept = _first_chosen(count, replied)
        only_answered, count = count - kept, kept
    against = None
    if reported is not None:
        against = np.asarray(reported @ s).ravel()
        count = np.maximum(count - REPORTED_WEIGHT * against, 0.0)
    total = np.asarray(contacts @ np.ones(len(s))).ravel()  # the flow to everyone, as ``sum(axis=1)`` is
    ordinary = 1.0 - s
    share = _share(_flow(contacts, ordinary, s), float(ordinary @ total))
    expected = total * share
    llr = contact_llr(count, total, expected, corroborated)
    return Association(
        count,
        total,
        expected,
        llr,
        within,
        from_cells=from_cells,
        strength=s,
        reported=against,
        answered=only_answered,
        corroborated=corroborated,
        weights=_contact_weights(counted, s, less),
        shared=shared,
        holder=None if same is None else same.item >= 0,
    )


def _less_for_same(
    counted: sp.csr_matrix, alone: FloatArray, same: SameItem | None
) -> tuple[FloatArray, FloatArray]:
    """Per account, what the strong accounts it contacts that hold its item add to its count through that
    item (each contact's weight times the strength with the item less without it); and that strength per
    stored entry of ``counted`` (zero elsewhere)."""
    n = len(alone)
    per_entry = np.zeros(counted.nnz)
    if same is None:
        return np.zeros(n), per_entry
    at = np.flatnonzero((same.item[counted.indices] >= 0) & (alone[counted.indices] > 0))
    rows = np.searchsorted(counted.indptr, at, side="right") - 1
    cols = counted.indices[at]
    friends = positions(counted, cols, rows) >= 0
    per_entry[at] = same.less(rows, cols, alone, strong(same.apart), friends)
    shared = np.bincount(rows, weights=counted.data[at] * per_entry[at], minlength=n)
    return np.asarray(shared, dtype=np.float64), per_entry


def _contact_weights(counted: sp.csr_matrix, s: FloatArray, less: FloatArray) -> FloatArray:
    """What each counted contact with a strong account adds to its chooser's count (``counted @ s``; a
    fellow holder of its item read ``less`` strong per stored entry, and no strong account where that
    leaves nothing)."""
    read = s[counted.indices] - less
    on = read > 0
    return np.asarray(counted.data[on] * read[on], dtype=np.float64)


def _through(m: sp.csr_matrix, few: sp.csr_matrix, s: FloatArray) -> FloatArray:
    """``m.multiply(few) @ s`` read at the entries of ``few`` alone (a sparse one: the answered contacts),
    added in the same order, instead of multiplying every entry of ``m``."""
    few = few if few.has_canonical_format else sp.csr_matrix(few, copy=True)
    few.sum_duplicates()
    _, rows, cols = row_entries(few, np.arange(few.shape[0]))
    at = positions(m, rows, cols.astype(np.int64))
    found = at >= 0
    value = (m.data[at[found]] * few.data[found]) * s[cols[found]]
    return np.bincount(rows[found], weights=value, minlength=m.shape[0]).astype(np.float64)


def _group_gain(
    contacts: sp.csr_matrix, counted: sp.csr_matrix, group: IntArray, gain: FloatArray
) -> FloatArray:
    """Per account: what the groups of the members it contacts add to its count of strong contacts
    (``gain``: each member's strength with its group's evidence, less without), its own group left out.

    Each member it chose one way (a buyer's follows: it chose them, they did not choose it) counts with
    its own gain: several sellers of one cell are several sellers, and chance (``reach_out``'s share) reads
    every member at its gain too. Members that are its friends (contacts both ways) count their group once,
    at the largest gain among them: the friends of a circle follow many of its members and are followed
    back, so a friend circle that the group search splits into a weak cell and the rest would otherwise
    give each friend one count per friend in the cell."""
    hit = np.flatnonzero(gain[counted.indices] > 0)  # the few contacts into cells, not the whole matrix
    rows = np.searchsorted(counted.indptr, hit, side="right") - 1
    cols = counted.indices[hit]
    keep = (group[cols] >= 0) & (group[cols] != group[rows])
    rows, cols, val = rows[keep], cols[keep], gain[cols[keep]] * counted.data[hit[keep]]
    friends = positions(contacts, cols, rows) >= 0
    out = np.bincount(rows[~friends], weights=val[~friends], minlength=counted.shape[0]).astype(np.float64)
    rows, g, val = rows[friends], group[cols[friends]], val[friends]
    if len(rows):
        order = np.lexsort((-val, g, rows))  # per (account, group) the largest first
        rows, g, val = rows[order], g[order], val[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (g[1:] != g[:-1])
        np.add.at(out, rows[first], val[first])
    return out


def counted_once(tie: Association, reach: Association, counted: sp.csr_matrix) -> Association:
    """``reach`` with what it shares with ``tie`` taken off: a strong member that this account contacts
    and that contacts it back is one tie, not two pieces of evidence. The share of the account's strong
    contacts that run both ways (each as strong as ``reach_out`` read it), times the smaller of the two
    features, comes off ``reach``; only accounts with both features and only strong accounts are read."""
    if reach.strength is None:
        raise ValueError("counted_once needs the strengths reach_out read (Association.strength)")
    s = reach.strength
    rows = np.flatnonzero((tie.llr > 0) & (reach.llr > 0))
    cols = np.flatnonzero(s > 0)
    mutual = np.zeros(len(s))
    if len(rows) and len(cols):
        out = sp.csr_matrix(counted[rows][:, cols])  # weighed as ``reach_out`` counts them
        back = sp.csr_matrix(counted[cols][:, rows] > 0, dtype=np.float64).T
        mutual[rows] = sp.csr_matrix(out.multiply(back)) @ s[cols]
    share = np.clip(mutual / np.maximum(reach.count, 1.0), 0.0, 1.0)
    llr = reach.llr - share * np.minimum(tie.llr, reach.llr)
    return replace(reach, llr=np.asarray(llr, dtype=np.float64), mutual=mutual)
