"""Cells: tight groups around strong accounts whose members, taken together, show several kinds of evidence.

Networks are built of cells (a few dozen accounts created together that follow each other), and many of
their members are silent: rotated words, no text, no link. One-hop association cannot reach a silent
seller whose cell-mates are themselves weak; the cell as a whole can. Candidates are the accounts strong by
their own evidence and the accounts they are in contact with; Leiden (CPM, ``RESOLUTION``: a group must be
denser than that) splits them into tight groups, reading only the ties whose ends share contacts
(``embedded_ties``: a seller's spokes would otherwise make it a star apart from its cell). A group is a
cell when its members carry several kinds of own signal far more often than the candidates around them do
(a Poisson ratio per kind against the candidates' own rate, so picking candidates for their signals does
not make every group look guilty), each kind capped at ``KIND_CAP`` and the strongest kind left out: a
friend circle that shares one trait (a hobby's code word) is homophily, not a cell; nor is one that shares
only what friends share innocently (a hobby's word, being new, posting stories), however many of those: a
cell also shares, to at least ``TRUST_EV``, what friends do not (a link domain, a known hash, reports
against its members), each carried by ``SHARED_BY`` members or more: one stray report among new friends
who use a word is its member's, not the circle's, however rare reports are. Only groups around a
strong account (or a seed) are tested, and the group's evidence is discounted by the log of the number
tested (the best of many chance groups is not surprising). A network of many small cells is not that many
independent tests, though: its buyers and facilitators follow several of its cells, so once its strong
cells are found, a weaker group whose members are chosen by the network's insiders far more often than
chance says is ranked among the network's groups as the false discovery rate reads them
(``chosen_by_insiders``, ``_discounts``); a circle of friends that shares two traits and that no insider
turns to keeps the full discount. The evidence is read for each member without its own
signals (leave-one-out, so nothing counts twice), scaled by the share of its contacts inside the group:
a popular account that a cell follows as camouflage has most of its contacts elsewhere. The pipeline reads
it only for members that chose a group-mate themselves (``Cells.read_for``, ``initiative.chose_in_group``):
the users sellers follow and write to are drawn into their group by the sellers' contacts; and only as far
as they did not report their group-mates (``contacts.undocumented_share``: a flagger documents a network).
Evidence of its own kind and computed once from own signals; of association, only the buyer side reads it
(``association.reach_out``: each member an account outside the cell chose, its friends' cell once), and
nothing reached that way feeds anything again.

What association reads from here is each group's *trust*: a group that shares its strongest kind far more
often than the candidates around it and is no cell is a circle of alike friends, whose ties to each other
are not independent evidence (``alike.within_circles``). Groups tied densely to each other form one
circle (the group search splits a large circle of friends into parts just below its resolution).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from bastion.core.signals import lookup
from bastion.graph.container import BoolArray, FloatArray, IntArray
from bastion.graph.kernels import core_neighbourhood, groups_chosen, shared_contact_ties
from bastion.graph.leiden import leiden_cpm

#: CPM resolution: the least internal density (ties per pair) a group of candidates must keep.
RESOLUTION = 0.15
#: A shared contact tied to more candidates than this is a hub (a popular account that sellers follow as
#: camouflage and the recommender pulls users toward): two accounts that both know it are not thereby a group.
HUB_CONTACTS = 50
#: Contacts (no hubs) the two ends of a tie must share for the tie to hold a group together.
MIN_SHARED = 2
MIN_CELL = 4
#: The most one kind of signal may add to a group's evidence (log-odds).
KIND_CAP = 3.0
#: The most a cell may say about one member (log-odds), before the share of its contacts inside.
CELL_MAX = 4.0
#: The group evidence is discounted by the log of the groups tested, and at least of this many (a small
#: platform with a handful of groups still has chance groups).
MIN_TESTS = 20
#: Group evidence (log-odds) from which ties inside a circle count in full as association (``trust``): a
#: group at or below zero is no more remarkable than the best of the chance groups tested.
TRUST_EV = 1.0
#: Groups whose members are tied to each other at this density (ties per pair) or more are one circle: the
#: group search splits a circle of friends larger than it likes into parts just below ``RESOLUTION``.
CIRCLE_DENSITY = RESOLUTION / 2
#: Members of a group that must carry a kind friends do not share innocently for the group to share it.
SHARED_BY = 2
#: Insiders (accounts outside the found cells that chose two or more members of them: the network's
#: buyers and facilitators) that must have chosen a member of a group, far beyond chance, for the group to
#: be tested among the network's groups (``chosen_by_insiders``).
BRIDGES = 3


@dataclass(frozen=True, slots=True)
class Cells:
    """Per account: the cell's evidence read for it (log-odds), its group and its circle of groups (-1:
    none); per group: size, evidence and trust (0..1: how far ties inside count as association)."""

    llr: FloatArray
    group: IntArray
    sizes: list[int] = field(default_factory=list)
    evidence: list[float] = field(default_factory=list)
    circle: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    trust: FloatArray = field(default_factory=lambda: np.zeros(0))
    #: groups tested as cells (those around a strong account or a seed): the discount's count
    tested: int = 0
    #: per account: the cell's evidence it would carry and does not (``read_for``): it chose none of it
    unread: FloatArray | None = None
    #: per group: what its evidence was discounted for the groups tested beside it (``_discounts``)
    discount: list[float] = field(default_factory=list)

    def read_for(self, members: BoolArray, share: FloatArray | None = None) -> Cells:
        """The same groups, their evidence read only for ``members`` (zero for the others, kept as
        ``unread`` for the dossier: a reviewer sees the account was drawn into the group), and for each
        only as far as ``share`` (0..1) says."""
        read = np.where(members, self.llr, 0.0) * (1.0 if share is None else share)
        return replace(self, llr=read, unread=np.where(members, 0.0, self.llr))

    def unread_words(self, i: int) -> str:
        size = self.sizes[int(self.group[i])]
        return (
            f"in a tight group of {size} accounts that carry several kinds of signal, not counted: its "
            "members followed it first and it followed none of them first (drawn in by their contacts, as "
            "the users a network follows and writes to are)"
        )

    def words(self, i: int) -> str:
        g = int(self.group[i])
        full = np.log(chance_groups(self.tested))
        ranked = ""
        if g < len(self.discount) and self.discount[g] < full - 1e-9:
            ranked = (
                ", ranked among the groups the network's buyers and facilitators turn to: "
                f"{self.discount[g]:.1f} off for chance, not {full:.1f}"
            )
        return (
            f"in a tight group of {self.sizes[g]} accounts whose members, without this one, carry several "
            f"kinds of signal far more often than accounts around them ({self.evidence[g]:+.1f} log-odds "
            f"for the group after testing {self.tested}{ranked}), {self.llr[i]:+.1f} log-odds for this "
            "account"
        )


def tight_groups(sym: sp.csr_matrix, idx: IntArray, seed: int) -> list[IntArray]:
    """Leiden (CPM) groups of at least ``MIN_CELL`` among the candidates ``idx`` (``sym``: their contacts
    among themselves, both ways)."""
    rows, cols = embedded_ties(sym)
    # one pass: without the second, no bench target went from met to missed (one came right), R-precision
    # moved at most 0.016 either way, no one was flagged who was not; it was a twentieth of a 0.7M-edge run
    groups = leiden_cpm(len(idx), rows, cols, RESOLUTION, seed, n_iterations=1, min_size=MIN_CELL)
    groups.sort(key=lambda m: (-len(m), int(m.min())))
    return groups


def embedded_ties(sym: sp.csr_matrix) -> tuple[IntArray, IntArray]:
    """The ties (each pair once) whose two ends share at least ``MIN_SHARED`` contacts that are no hubs
    (``HUB_CONTACTS``): what the group search reads.

    A tie whose ends share no one is a spoke: a user the recommender pulled toward a seller, a camouflage
    follow; one shared contact is what a buyer of two sellers who know each other has. CPM prefers a
    seller with its spokes (a star: each spoke adds a tie for little density) to the seller's cell, so a
    small cell was split into one star per seller and its silent members fell out of every cell; a cell's
    members know each other, and their ties share contacts. Hubs are left out as shared contacts (everyone
    knows them). Counted tie by tie (``kernels.shared_contact_ties``): a sparse product counted every pair
    with a contact in common, most of them no tie; and in one order, whatever the sparse library's.
    """
    a = sp.csr_matrix(sym)
    return shared_contact_ties(a.indptr, a.indices, a.data, HUB_CONTACTS, MIN_SHARED)


def _kind_columns(present: Mapping[str, BoolArray]) -> tuple[FloatArray, BoolArray, list[str]]:
    """One column per kind, the profile kinds (``SignalKind.profile``: age, posting format) merged into
    one: a cohort of new accounts that post stories shares both, and that is one trait, not two; per
    column, whether friends share it innocently (the profile, a hobby's word: ``friends_share``); and the
    kinds' names (the profile column's is empty)."""
    kinds = [k for k in present if not lookup(k).profile]
    columns = [np.asarray(present[k], dtype=np.float64) for k in kinds]
    shared = [lookup(k).friends_share for k in kinds]
    profile = [np.asarray(v, dtype=bool) for k, v in present.items() if lookup(k).profile]
    if profile:
        columns.append(np.logical_or.reduce(profile).astype(np.float64))
        shared.append(True)
        kinds.append("")
    return np.column_stack(columns), np.asarray(shared, dtype=bool), kinds


def _held_inside(
    kinds: FloatArray,
    names: list[str],
    items: Mapping[str, sp.csr_matrix],
    rows: IntArray,
    of: IntArray,
) -> FloatArray:
    """``kinds`` of the group members ``rows`` (in groups ``of``), where a coordination kind
    (``SignalKind.coordination``: a link domain a few accounts share) whose items the graph knows is
    carried only by members that share an item with another member of their group: two friends who each
    share a site with strangers share nothing with each other, and a circle of friends is not made a cell
    by it (on p2p-Gnutella09, two members of a new cohort did, each with its own strangers)."""
    out = np.array(kinds[rows], dtype=np.float64)
    for j, name in enumerate(names):
        held = items.get(name) if name and lookup(name).coordination else None
        if held is None:
            continue
        mine = sp.csr_matrix(held[rows]).tocoo()  # member x item
        key = of[mine.row].astype(np.int64) * held.shape[1] + mine.col  # (group, item) of each holding
        _, at, holders = np.unique(key, return_inverse=True, return_counts=True)
        inside = np.zeros(len(rows), dtype=bool)
        inside[mine.row[holders[at] >= 2]] = True
        out[:, j] *= inside  # and carries it, as ``kinds`` says
    return out


def _poisson_llr(count: FloatArray, expected: FloatArray) -> FloatArray:
    """How far ``count`` is above a Poisson ``expected`` (log-likelihood ratio; zero at or below it)."""
    c, e = np.maximum(count, 0.0), np.maximum(expected, 1e-9)
    return np.asarray(np.where(c > e, c * np.log(np.maximum(c, 1e-9) / e) - (c - e), 0.0), dtype=np.float64)


def _kind_llr(count: FloatArray, expected: FloatArray) -> FloatArray:
    return np.asarray(np.minimum(_poisson_llr(count, expected), KIND_CAP), dtype=np.float64)


def find_cells(
    contacts: sp.csr_matrix,
    present: Mapping[str, BoolArray],
    strong: BoolArray,
    seeds: IntArray,
    seed: int,
    items: Mapping[str, sp.csr_matrix] | None = None,
    answered: Callable[[BoolArray], sp.csr_matrix] | None = None,
) -> Cells:
    """``present``: per seller-side kind, who carries it; ``strong``: accounts strong by their own signals;
    ``items``: what the coordination kinds' holders share (``AccountGraph.shared``); ``answered``: who
    followed whom back, toward the accounts of a mask (``initiative.followed_back``; without it, every
    contact is its chooser's choice)."""
    n = contacts.shape[0]
    empty = Cells(np.zeros(n), np.full(n, -1, dtype=np.int64), circle=np.full(n, -1, dtype=np.int64))
    core = strong.copy()
    core[seeds] = True
    if not core.any() or not present:
        return empty
    into, candidate = core_neighbourhood(contacts.indptr, contacts.indices, core)
    out_of = np.diff(contacts.indptr)
    idx = np.flatnonzero(candidate)
    chosen = sp.csr_matrix((np.ones(contacts.nnz), contacts.indices, contacts.indptr), shape=contacts.shape)
    part = sp.csr_matrix(chosen[idx][:, idx])
    sym = sp.csr_matrix(part + part.T)  # a contact either way; 2 where both ways, as in the degree below
    local = tight_groups(sym, idx, seed)
    if not local:
        return empty
    groups = [idx[g] for g in local]
    group = np.full(n, -1, dtype=np.int64)
    for g, members in enumerate(groups):
        group[members] = g
    rows, lrows = np.concatenate(groups), np.concatenate(local)
    of = group[rows]
    size = np.array([len(g) for g in groups], dtype=np.float64)
    kinds, alike, names = _kind_columns(present)
    rate = np.maximum(kinds[idx].mean(axis=0), 1.0 / len(idx))
    held = _held_inside(kinds, names, items or {}, rows, of)
    member = sp.csr_matrix((np.ones(len(rows)), (of, np.arange(len(rows)))), shape=(len(groups), len(rows)))
    counts = np.asarray(member @ held)  # groups x kinds
    loo = counts[of] - held  # each member's group without it
    per_kind = _kind_llr(loo, (size[of] - 1.0)[:, None] * rate[None, :])
    # only a group around a strong account (or a seed) is a candidate cell, and only those are tested: a
    # group of their contacts alone adds a chance group to the discount, and no cell
    around = np.bincount(of, weights=core[rows].astype(np.float64), minlength=len(groups)) > 0
    tested = int(around.sum())
    whole = _kind_llr(counts, size[:, None] * rate[None, :])
    # friends share a hobby's word and a profile (new, posting stories) innocently, however many of them;
    # a cell also shares what friends do not: a link domain, a known hash, reports against it, each carried
    # by SHARED_BY of its members or more (one member's stray report is that member's, not its circle's)
    beyond = np.where(counts >= SHARED_BY, whole, 0.0)[:, ~alike].sum(axis=1) >= TRUST_EV
    raw = np.where(beyond, whole.sum(axis=1) - whole.max(axis=1), 0.0)
    local_group = np.full(len(idx), -1, dtype=np.int64)
    local_group[lrows] = of
    # the best of the groups tested is as remarkable as the best of that many chance groups; the groups
    # beyond it are found, and the groups their buyers turn to are tested among the network's (_discounts)
    chance = np.log(chance_groups(tested))
    found = around & (raw - chance >= TRUST_EV)
    back = None
    if answered is not None and found.any():  # follow-backs into the found cells, among the candidates
        in_found = np.zeros(n, dtype=bool)
        in_found[rows[found[of]]] = True
        back = sp.csr_matrix(answered(in_found)[idx][:, idx])
    sub = sym[lrows].tocoo()
    circles = _circles(sub, of, local_group, size)  # per group
    tests = _discounts(raw, around, chosen_by_insiders(part, local_group, found, chance, back, circles))
    ev = np.where(around[of] & beyond[of], per_kind.sum(axis=1) - per_kind.max(axis=1) - tests[of], 0.0)
    inside = np.bincount(
        sub.row, weights=sub.data * (local_group[sub.col] == of[sub.row]), minlength=len(rows)
    )
    degree = out_of[rows] + into[rows]  # contacts both ways, counted as ``sym`` counts them
    llr = np.zeros(n)
    llr[rows] = np.clip(ev, 0.0, CELL_MAX) * np.sqrt(inside / np.maximum(degree, 1.0))
    group_ev = raw - tests
    # homophily: the group shares its strongest kind far more often than the accounts around it; when it
    # shares nothing else (no cell), ties inside it are not independent evidence
    shared = whole.max(axis=1) / KIND_CAP
    trust = 1.0 - shared * (1.0 - np.clip(group_ev / TRUST_EV, 0.0, 1.0))
    circle = np.full(n, -1, dtype=np.int64)
    circle[rows] = circles[of]
    sizes, evidence = size.astype(int).tolist(), [float(v) for v in group_ev]
    return Cells(llr, group, sizes, evidence, circle, trust, tested, discount=[float(v) for v in tests])


def chance_groups(tested: int) -> int:
    """The chance groups a group's evidence is measured against: those tested, and at least ``MIN_TESTS``
    (the full discount is its log; one definition for the search, the ranking and the dossier)."""
    return max(tested, MIN_TESTS)


def chosen_by_insiders(
    part: sp.csr_matrix,
    local_group: IntArray,
    found: BoolArray,
    tests: float,
    answered: sp.csr_matrix | None = None,
    circles: IntArray | None = None,
) -> BoolArray:
    """The groups found, and the groups whose choosers (the accounts outside a group that chose a member of
    it) include the network's insiders (accounts outside the found groups that chose two or more members of
    them, silent or not: its buyers and facilitators) ``BRIDGES`` times or more and far more often than the
    candidates' choosers do: a Poisson ratio against the insiders' share of the candidates, beyond ``tests``
    (a circle of friends that a few buyers are friends with is chosen by insiders as often as chance says).
    ``part``: who chose whom among the candidates, 1 a choice (as ``find_cells`` builds it); ``answered``:
    which of those contacts followed back a member that followed first (same indices): an insider chose
    the members itself. A popular account follows back the sellers that follow it as camouflage, and is
    friends with every circle around it: counted as an insider, a club its members and such accounts
    turn to was ranked among a network's cells. ``circles``: each group's circle (``_circles``): the
    members of a found group's circle are its friends, not its insiders (a club split into several groups,
    one of them found, made its other groups "chosen by insiders": a club of word users three of whom
    were wrongly reported, as in an outside check, was one network of 37 in a scratch draw)."""
    k = len(found)
    in_found = (local_group >= 0) & found[np.maximum(local_group, 0)]
    chose = part
    if answered is not None and answered.nnz:
        chose = sp.csr_matrix(part - part.multiply(answered > 0))
    insider = (np.asarray(chose @ in_found.astype(np.float64)).ravel() >= 2) & ~in_found
    if circles is not None and found.any():
        friends = np.isin(circles, circles[found])  # the groups in a found group's circle
        insider &= ~((local_group >= 0) & friends[np.maximum(local_group, 0)])
    who, of = groups_chosen(part.indptr, part.indices, local_group, k)  # each chooser once per group
    choosers = np.bincount(of, minlength=k).astype(np.float64)
    bridges = np.bincount(of[insider[who]], minlength=k).astype(np.float64)
    expected = choosers * insider.sum() / max(int((~in_found).sum()), 1)
    far = (bridges >= BRIDGES) & (_poisson_llr(bridges, expected) >= tests)
    return np.asarray(found | far, dtype=bool)


def _discounts(raw: FloatArray, tested: BoolArray, bridged: BoolArray) -> FloatArray:
    """Per group, what its evidence is discounted for the groups tested beside it (log-odds): the log of
    the number tested (at least ``MIN_TESTS``), as the best of that many chance groups is that remarkable;
    for a group found or chosen by the network's insiders (``bridged``), as the false discovery rate reads
    it (Benjamini-Hochberg, step-up): the k-th strongest of them is compared with m/k chance groups, m all
    that were tested. Where a network has many cells, the weaker ones are not measured as if each were the
    only one; a group no insider chose is measured as before."""
    m = chance_groups(int(tested.sum()))
    out = np.full(len(raw), np.log(m))
    order = np.flatnonzero(tested & bridged)
    order = order[np.argsort(-raw[order], kind="stable")]
    adjusted = raw[order] - np.log(m / np.arange(1.0, len(order) + 1.0))
    out[order] = raw[order] - np.maximum.accumulate(adjusted[::-1])[::-1]
    return np.asarray(out, dtype=np.float64)


def _circles(sub: sp.coo_matrix, of: IntArray, local_group: IntArray, size: FloatArray) -> IntArray:
    """Per group, its circle: groups joined where their members are tied at ``CIRCLE_DENSITY`` or more
    (``sub``: the group members' rows of the candidates' contacts, row k being member k, of group
    ``of[k]``; ``local_group``: each candidate's group, -1 none)."""
    k = len(size)
    g = local_group[sub.col]
    tied = (g >= 0) & (sub.data > 0)
    pair = of[sub.row[tied]] * k + g[tied]  # (group, group) of each tie between two group members
    if k * k <= max(4 * len(pair), 1 << 16):  # few groups: counted in an array of every pair of them
        counts = np.bincount(pair, minlength=k * k)
        pair = np.flatnonzero(counts)
        counts = counts[pair]
    else:
        pair, counts = np.unique(pair, return_counts=True)
    a, b = np.divmod(pair, k)
    keep = (counts >= CIRCLE_DENSITY * size[a] * size[b]) & (a != b)
    links = sp.csr_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(k, k))
    return np.asarray(connected_components(links, directed=False)[1], dtype=np.int64)
