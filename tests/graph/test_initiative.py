"""Who chose a friendship: a follow that answered a strong account's follow counts for the account only as
far as it also chose strong accounts first, in ``tie`` and in ``reach`` alike (an account that follows back
everyone who follows it answers sellers' outreach; a seller's follow-backs inside its cell come with
follows it made first)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sqlalchemy import select, update

from bastion.graph.association import reach_out, tie_in
from bastion.graph.builder import GraphBuilder
from bastion.graph.container import REPLY
from bastion.graph.initiative import answers, chose_in_group, followed_back
from bastion.graph.load import load_platform
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables import messages
from support.exports import truth_export

DAY = 86_400


def _world() -> tuple[GraphBuilder, list[str]]:
    """Five strong sellers s0-s4; "answerer" followed back all five after they followed it; "peer" followed
    two first and followed back three; 200 ordinary accounts in a chain (chance's baseline)."""
    b = GraphBuilder("t")
    sellers = [f"s{k}" for k in range(5)]
    for k, s in enumerate(sellers):
        b.add_follow(s, "answerer", t=10 * DAY + k)
        b.add_follow("answerer", s, t=20 * DAY + k)
        first, second = ("peer", s) if k < 2 else (s, "peer")
        b.add_follow(first, second, t=10 * DAY + k)
        b.add_follow(second, first, t=20 * DAY + k)
    for k in range(200):
        b.add_follow(f"o{k}", f"o{k + 1}", t=k)
    return b, sellers


def test_follow_backs_are_found_by_time_and_only_toward_the_accounts_asked_about() -> None:
    b, sellers = _world()
    g = b.build()
    strong = np.zeros(g.n, dtype=bool)
    strong[g.indices(sellers)] = True
    back = followed_back(g, strong)
    i = g.index
    assert sorted(back[i["answerer"]].indices) == sorted(g.indices(sellers))
    assert sorted(back[i["peer"]].indices) == sorted(g.indices(sellers[2:]))
    assert back[:, g.indices(["answerer", "peer"])].nnz == 0  # neither is one of the accounts asked about
    group = np.full(g.n, -1)
    group[g.indices(["peer", *sellers])] = 3  # one tight group: the peer followed back its cell-mates
    in_cell = answers(g, strong, group)
    assert in_cell[i["peer"]].nnz == 0 and in_cell[i["answerer"]].nnz == 5
    g.follow_times = None
    assert followed_back(g, strong).nnz == 0  # no times: nothing can be said


def test_a_group_counts_for_a_member_only_if_it_chose_a_group_mate_first() -> None:
    """The answerer is drawn into the sellers' group by their follows; the peer followed two of them
    first: the group's evidence is read for the peer and the sellers (a cell: each followed the next
    first), not for the answerer; without follow times nothing is known against anyone."""
    from bastion.graph.cells import Cells

    b, sellers = _world()
    _cell(b, sellers)
    g = b.build()
    i = g.index
    group = np.full(g.n, -1)
    group[g.indices(["answerer", "peer", *sellers])] = 0
    chose = chose_in_group(g, group)
    assert chose[g.indices(["peer", *sellers])].all() and not chose[i["answerer"]]
    cells = Cells(np.where(group == 0, 2.0, 0.0), group, [7], [3.0]).read_for(chose)
    assert cells.llr[i["peer"]] == 2.0 and cells.llr[i["answerer"]] == 0.0
    assert cells.unread is not None and cells.unread[i["answerer"]] == 2.0 and cells.unread[i["peer"]] == 0
    assert "not counted: its members followed it first" in cells.unread_words(i["answerer"])
    g.follow_times = None
    assert chose_in_group(g, group).all()


def _cell(b: GraphBuilder, sellers: list[str]) -> None:
    """The sellers as a cell: each follows the next first (a ring), and is followed back."""
    for k, s in enumerate(sellers):
        nxt = sellers[(k + 1) % len(sellers)]
        b.add_follow(s, nxt, t=5 * DAY + k)
        b.add_follow(nxt, s, t=6 * DAY + k)


def test_two_answerers_who_know_each_other_choose_no_one_the_group_chose() -> None:
    """A second account that follows back everyone: the first answerer followed it first (they know each
    other). Both are in the sellers' group by the sellers' follows; following the other first is choosing
    no one of the cell, so neither is a peer, and the sellers and the peer still are."""
    b, sellers = _world()
    _cell(b, sellers)
    for k, s in enumerate(sellers):
        b.add_follow(s, "answerer2", t=11 * DAY + k)
        b.add_follow("answerer2", s, t=21 * DAY + k)
    b.add_follow("answerer", "answerer2", t=12 * DAY)
    b.add_follow("answerer2", "answerer", t=22 * DAY)
    g = b.build()
    group = np.full(g.n, -1)
    group[g.indices(["answerer", "answerer2", "peer", *sellers])] = 0
    chose = chose_in_group(g, group)
    assert chose[g.indices(["peer", *sellers])].all()
    assert not chose[g.indices(["answerer", "answerer2"])].any()
    b.add_follow("answerer", "s0", t=1 * DAY)  # it chose a seller first: a peer after all
    g = b.build()
    assert chose_in_group(g, group)[g.index["answerer"]]


def test_an_account_that_only_followed_back_is_tied_to_no_one_and_reaches_no_one() -> None:
    b, sellers = _world()
    g = b.build()
    i = g.index
    own = np.zeros(g.n)
    own[g.indices(sellers)] = 5.0
    contacts = sp.csr_matrix(g.layer("follow"))
    back = answers(g, own > 0)
    before, after = tie_in(contacts, own), tie_in(contacts, own, answered=back)
    assert before.count[i["answerer"]] == before.count[i["peer"]] > 4
    assert after.count[i["answerer"]] == 0 and after.llr[i["answerer"]] == 0
    assert after.count[i["peer"]] == 4  # two chosen first, and two of its three follow-backs
    assert after.answered is not None and after.answered[i["answerer"]] == before.count[i["answerer"]]
    assert "it followed them back after they followed it" in after.words(i["answerer"], "friends with")
    reach = reach_out(contacts, own, answered=back)
    assert reach_out(contacts, own).count[i["answerer"]] > 4 and reach.count[i["answerer"]] == 0
    assert reach.count[i["peer"]] == after.count[i["peer"]]
    assert reach.answered is not None and reach.answered[i["answerer"]] > 4
    assert "it followed them back" in reach.words(i["answerer"], "chose to contact")


def test_a_reply_to_a_conversation_the_seller_started_is_the_sellers_choice() -> None:
    """Two sellers write to "groomed" first and it answers both (the export's ``initiated_by_sender``):
    answered, like a follow-back, so no tie and no reach; "writer" started its own conversations with them
    and chose them; without any reply information messages say nothing either way."""
    b = GraphBuilder("t")
    for s in ("s0", "s1", "s2"):
        b.add_message(s, "groomed")
        b.add_message("groomed", s, reply=True)
        b.add_message("writer", s)
        b.add_message(s, "writer", reply=True)
    for k in range(200):
        b.add_follow(f"o{k}", f"o{k + 1}", t=k)
    g = b.build()
    i = g.index
    strong = np.zeros(g.n, dtype=bool)
    strong[g.indices(["s0", "s1", "s2"])] = True
    got = answers(g, strong)
    assert got[i["groomed"]].nnz == 3 and got[i["writer"]].nnz == 0
    own = np.where(strong, 5.0, 0.0)
    contacts = sp.csr_matrix(g.layer("message"))
    tie = tie_in(contacts, own, answered=got)
    assert tie_in(contacts, own).count[i["groomed"]] == 3 and tie.count[i["groomed"]] == 0
    assert tie.count[i["writer"]] == 3
    # drawn into the sellers' group, with no follow times to say it followed one first: still answering
    group = np.full(g.n, -1)
    group[g.indices(["groomed", "s0", "s1", "s2"])] = 0
    g.follow_times = None
    peers = chose_in_group(g, group)
    assert peers.all()  # nothing known against anyone: groups are read for all
    assert answers(g, strong, group, peers)[i["groomed"]].nnz == 3


def test_the_loader_reads_replies_from_the_exports_initiated_by_sender(
    store: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Messages whose sender did not start the conversation are replies; unknown is none."""
    folder, truth = truth_export(tmp_path_factory, accounts=300, seed=2)
    Ingestor(store).ingest(folder)
    with store.engine.begin() as conn:
        first = conn.execute(select(messages.c.sender_id, messages.c.recipient_id).limit(2)).all()
        (a, b), (c, d) = first
        conn.execute(
            update(messages)
            .where(messages.c.sender_id == a, messages.c.recipient_id == b)
            .values(initiated_by_sender=False)
        )
        conn.execute(
            update(messages)
            .where(messages.c.sender_id == c, messages.c.recipient_id == d)
            .values(initiated_by_sender=None)
        )
    g = load_platform(store, truth.platform).graph
    reply = g.layer(REPLY)
    assert reply.nnz == 1 and reply[g.index[a], g.index[b]] > 0


def test_the_drawn_in_are_the_largest_set_whose_first_follows_stay_inside_it() -> None:
    """Against the definition read round by round (drop whoever chose first one outside, until no one
    is dropped) on random groups, including chains where an account's first follow leads, through others,
    to one that followed back too few."""
    from bastion.graph.initiative import DRAWN_BACK, _drawn_in

    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(2, 30))
        m = int(rng.integers(0, 4 * n))
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        keep = a != b
        a, b, late = a[keep], b[keep], rng.random(int(keep.sum())) < 0.6
        want = np.bincount(a[late], minlength=n) >= DRAWN_BACK
        while True:
            out = np.zeros(n, dtype=bool)
            out[a[~late & ~want[b]]] = True
            if not (want & out).any():
                break
            want &= ~out
        assert np.array_equal(_drawn_in(a, b, late, n), want)
