"""A network keeps its id from run to run while it keeps most of its members, so an open case, a takedown
preview and triage still find it after the next ``bastion detect``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.core.model import EntityType, Signal
from bastion.graph.lineage import absorbed, continued
from bastion.graph.network import Member, Network
from bastion.graph.service import NetworkDetector, numbered
from bastion.ingest import Ingestor
from bastion.review.subjects import network_members
from bastion.store import Store
from bastion.synth import GroundTruth
from support.exports import truth_export


def test_a_network_continues_the_earlier_one_it_shares_most_of_its_members_with() -> None:
    earlier = {"3-1": set("abcdefgh"), "3-2": set("pqrs"), "3-3": set("xyz")}
    found = [
        set("abcdefghij"),  # grew by two: continues 3-1
        set("pq"),  # half of 3-2 split off ...
        set("rs") | set("tuv"),  # ... and the rest, with three new: shares 2 of the smaller 4 = half
        set("klmn"),  # new
    ]
    assert continued(earlier, found) == ["3-1", "3-2", None, None]
    # two that merged continue as the one that brought more members; the other id ends
    assert continued({"1-1": set("abcd"), "1-2": set("ef")}, [set("abcdef")]) == ["1-1"]
    # a third of its members is not the same network
    assert continued({"1-1": set("abcdef")}, [set("ab") | set("uvwx")]) == [None]
    assert continued({}, [set("ab")]) == [None]


def test_a_network_that_merged_into_another_is_kept_as_its_alias_from_run_to_run() -> None:
    """A case on the network that merged in finds its members in the one that took them, and still does
    runs later (the alias travels with the id)."""
    earlier = {"1-1": set("abcdefgh"), "17-2": set("pqrs"), "17-3": set("xyz")}
    found = [set("abcdefgh") | set("pqr"), set("klm")]
    ids = continued(earlier, found)
    assert ids == ["1-1", None] and absorbed(earlier, found, ids) == [["17-2"], []]  # 17-3 just ended

    def net(members: set[str]) -> Network:
        return Network("", 0.9, tuple(Member(a, "p", "seller", 0.9, ()) for a in sorted(members)))

    first = numbered(20, [net(m) for m in found], earlier)
    assert [(n.network_id, n.merged) for n in first] == [("1-1", ("17-2",)), ("20-2", ())]
    later = numbered(21, [net(found[0])], {"1-1": found[0]}, {"1-1": ["17-2"]})
    assert [(n.network_id, n.merged) for n in later] == [("1-1", ("17-2",))]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    return truth_export(tmp_path_factory, accounts=1200, seed=3)


def test_the_next_run_keeps_the_network_id_and_an_open_case_still_finds_its_members(
    store: Store, export: tuple[Path, GroundTruth]
) -> None:
    folder, truth = export
    Ingestor(store).ingest(folder)
    detector = NetworkDetector(store)
    first = detector.detect()
    [net] = first.networks
    second = detector.detect()
    assert [n.network_id for n in second.networks] == [net.network_id] and second.run_id != first.run_id
    # a member cleared by reviewers leaves; the network goes on under its id
    gone = net.members[-1].account_id
    store.signals.add([Signal(truth.platform, EntityType.ACCOUNT, gone, "verdict", "review", 0.0, {}, "5")])
    third = detector.detect()
    assert [n.network_id for n in third.networks] == [net.network_id]
    with store.engine.connect() as conn:  # what a network case's page and its decision read
        members = network_members(conn, truth.platform, net.network_id)
    assert gone not in members and {m.account_id for m in net.members} - {gone} <= set(members)
    assert set(members) == {m.account_id for n in third.networks for m in n.members}
    assert detector.dossier(net.network_id).run_id == third.run_id
