"""A network keeps its id from run to run while it keeps most of its members, so an open case, a takedown
preview and triage still find it after the next ``bastion detect``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.core.model import EntityType, Signal
from bastion.graph.lineage import continued
from bastion.graph.service import NetworkDetector
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
