"""A reviewer's final decision on a case with hash matches is sent back as a verdict on the hashes: recorded
in the decision's transaction, sent by the schedule, and a false positive disables the hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bastion.core.model import EntityType, Signal
from bastion.core.roles import Role
from bastion.core.timefmt import utcnow
from bastion.exchange import ExchangeService
from bastion.review import Principal, Review
from bastion.review.referral import refer
from bastion.store.tables import accounts
from bastion.store.tables_exchange import exchange_feedback
from bastion.system import Bastion
from exchange.support import case_with_match, flip_bits

HASH = flip_bits("0" * 64, 66)
OTHER = flip_bits("f" * 64, 50)


@pytest.fixture(autouse=True)
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ENV", "development")
    monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)


def _file_exchange(review: Review, tmp_path: Path, *values: str) -> tuple[Bastion, ExchangeService]:
    """Bastion with a local-file exchange FILE_X (``tmp_path / "list.txt"``) of these PDQ values, synced."""
    system = Bastion(store=review.store, services={"review": review})
    svc: ExchangeService = system.service("exchange")
    src = tmp_path / "list.txt"
    src.write_text("".join(f"pdq {v}\n" for v in values))
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by="admin")
    svc.exchanges.sync("FILE_X")
    return system, svc


def test_not_violating_disables_the_matched_hash_and_tells_the_exchange(
    review: Review, tmp_path: Path
) -> None:
    system, svc = _file_exchange(review, tmp_path, HASH, OTHER)
    case_id = case_with_match(review, system, "acct-1", HASH)
    reviewer = Principal("rev-1", Role.REVIEWER, "session")
    system.review.desk.claim(reviewer, case_id)
    system.review.desk.decide(reviewer, case_id, "not_violating", "SP-1", "a stock picture")
    with review.engine.connect() as conn:
        pending = conn.execute(select(exchange_feedback)).all()
    assert [(p.value, p.verdict, p.status) for p in pending] == [(HASH, "false_positive", "pending")]
    assert svc.send_verdicts() == 1
    assert {e.value for e in svc.banks.repo.entries("FILE_X")} == {OTHER}
    assert (tmp_path / "list.txt.opinions").read_text() == f"pdq {HASH} negative_class\n"
    assert svc.send_verdicts() == 0
    system.close()


def test_violating_is_a_true_positive_and_keeps_the_hash(review: Review, tmp_path: Path) -> None:
    system, svc = _file_exchange(review, tmp_path, HASH)
    case_id = case_with_match(review, system, "acct-2", HASH)
    reviewer = Principal("rev-1", Role.REVIEWER, "session")
    system.review.desk.claim(reviewer, case_id)
    system.review.desk.decide(reviewer, case_id, "violating", "SP-1", "matches the listed picture")
    svc.send_verdicts()
    assert {e.value for e in svc.banks.repo.entries("FILE_X")} == {HASH}
    assert (tmp_path / "list.txt.opinions").read_text() == f"pdq {HASH} positive_class\n"
    system.close()


def test_clearing_an_account_referred_without_a_report_says_nothing_of_its_hashes(
    review: Review, tmp_path: Path
) -> None:
    """A referral asks about the account's conduct: two reviewers clearing it leave the hash its old post
    matched on the list, and tell the exchanges nothing."""
    system, svc = _file_exchange(review, tmp_path, HASH)
    case_with_match(review, system, "acct-9", HASH)  # the platform, through a report on another account
    with review.engine.begin() as conn:
        conn.execute(insert(accounts).values(platform="alphaleaf", account_id="acct-3", created_at=utcnow()))
    evidence = {"type": "pdq", "value": HASH, "list": "FILE_X", "post_id": "p3", "media_id": "m3"}
    match = Signal("alphaleaf", EntityType.ACCOUNT, "acct-3", "hash_match", "media", 1.0, evidence, "k-3")
    system.store.signals.add([match])
    lead = Principal("lee", Role.LEAD, "session")
    case_id = int(
        refer(review.engine, lead, "alphaleaf", "follows a network's sellers", account="acct-3")["case_id"]
    )
    for name in ("rev-1", "rev-2"):  # a hash match: second review
        reviewer = Principal(name, Role.REVIEWER, "session")
        system.review.desk.claim(reviewer, case_id)
        system.review.desk.decide(reviewer, case_id, "not_violating", "CS-4", "documents the network")
    assert system.review.desk.get(case_id)["status"] == "closed"
    with review.engine.connect() as conn:
        assert conn.execute(select(exchange_feedback)).all() == []
    assert svc.send_verdicts() == 0
    assert {e.value for e in svc.banks.repo.entries("FILE_X")} == {HASH}
    system.close()
