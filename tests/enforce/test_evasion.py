"""Ban evasion: name similarity, pair scoring, and re-created sellers caught in a later export."""

from __future__ import annotations

from pathlib import Path

from bastion.enforce.evasion import EvasionScorer, Profile
from bastion.enforce.evasion_store import evasion_links, scan_evasion
from bastion.enforce.model import Decision
from bastion.enforce.takedown import Takedowns
from bastion.ingest import Ingestor
from bastion.store import Store

from .recreate import later_export
from .world import small_world


def test_one_weak_hint_is_not_enough_several_are() -> None:
    old = Profile(
        "o1",
        "sunny_otter12",
        "Sunny Otter",
        frozenset({"https://linkhub.example/c1-9"}),
        terms=frozenset({"bluefinch"}),
    )
    scorer = EvasionScorer([old], domain_counts={"linkhub.example": 3}, platform_accounts=1000)
    assert scorer.match(Profile("n1", "sunny_otter13")) is None  # a similar name alone
    hub = frozenset({"https://linkhub.example/c2-x"})
    assert scorer.match(Profile("n2", "polar_kettle77", links=hub, terms=frozenset({"bluefinch"}))) is None
    m = scorer.match(Profile("n3", "sunny_otter13", "Sunny Otter", links=hub, terms=frozenset({"bluefinch"})))
    assert m is not None and m.original_account_id == "o1" and len(m.evidence) == 4
    same = scorer.match(Profile("n4", "zzz", links=frozenset({"http://www.LinkHub.example/c1-9/"})))
    assert same is not None and "same external link" in same.evidence[0]


def test_recreated_sellers_in_a_later_export_are_caught(store: Store, tmp_path: Path) -> None:
    platform, networks = small_world(store, tmp_path)
    later = later_export(platform, tmp_path / "later")
    for net in networks:
        Takedowns(store).apply(net, Decision("rev", "takedown", "CS-1", at=later.decided_at))
    Ingestor(store).ingest(later.folder)
    found = scan_evasion(store, platform.truth.platform)
    right = sum(later.recreated.get(m.account_id) == m.original_account_id for m in found)
    assert right / len(later.recreated) >= 0.9
    assert (len(found) - right) / max(1, len(found)) < 0.02 + 1 / max(1, len(found))
    links = evasion_links(store)
    assert {link["account_id"] for link in links} == {m.account_id for m in found}
    assert all(link["original_action_id"] is not None for link in links)
    assert store.signals.count("evasion") == len(found)


def test_near_files_are_compared_through_the_pdq_hash_type() -> None:
    base = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    near = f"{int(base, 16) ^ 0b11111:064X}"  # 5 bits off, upper case: the type normalises it
    far = f"{int(base, 16) ^ ((1 << 40) - 1):064x}"  # 40 bits off: over the PDQ threshold
    old = Profile("o1", "sunny_otter12", pdq=(base, "not-a-pdq-hash"))
    scorer = EvasionScorer([old], platform_accounts=1000)
    m = scorer.match(Profile("n1", "sunny_otter13", pdq=(near,)))
    assert m is not None and m.kinds["near_file"] == 1 - 5 / 62
    assert "PDQ distance 5" in " ".join(m.evidence)
    assert scorer.match(Profile("n2", "sunny_otter13", pdq=(far, "zz"))) is None
