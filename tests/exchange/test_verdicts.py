"""A reviewer's final decision on a case with hash matches is sent back as a verdict on the hashes: recorded
in the decision's transaction, sent by the schedule, and a false positive disables the hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bastion.core.model import EntityType, Signal
from bastion.core.roles import Role
from bastion.review import Principal, Review
from bastion.store.tables_exchange import exchange_feedback
from bastion.store.tables_review import review_cases
from bastion.system import Bastion
from exchange.support import flip_bits
from review.support import report

HASH = flip_bits("0" * 64, 66)
OTHER = flip_bits("f" * 64, 50)


@pytest.fixture(autouse=True)
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ENV", "development")
    monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)


def case_with_match(review: Review, system: Bastion, account: str, value: str) -> int:
    evidence = {"type": "pdq", "value": value, "list": "FILE_X", "post_id": "p1", "media_id": "m1"}
    match = Signal(
        "alphaleaf", EntityType.ACCOUNT, account, "hash_match", "media", 1.0, evidence, f"k-{account}"
    )
    system.store.signals.replace("media", "hash_match", "alphaleaf", [match], key=f"k-{account}")
    token = review.auth.create_token("alphaleaf")
    from fastapi.testclient import TestClient

    from bastion.api.service import create_app

    with TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1") as c:
        body = report(f"r-{account}", account, reason="spam")
        assert c.post("/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}).is_success
    review.triage()
    with review.engine.connect() as conn:
        query = select(review_cases.c.case_id).where(
            review_cases.c.platform == "alphaleaf", review_cases.c.account_id == account
        )
        return int(conn.execute(query).scalar_one())


def test_not_violating_disables_the_matched_hash_and_tells_the_exchange(
    review: Review, tmp_path: Path
) -> None:
    system = Bastion(store=review.store, services={"review": review})
    svc = system.service("exchange")
    src = tmp_path / "list.txt"
    src.write_text(f"pdq {HASH}\npdq {OTHER}\n")
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by="admin")
    svc.exchanges.sync("FILE_X")
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
    system = Bastion(store=review.store, services={"review": review})
    svc = system.service("exchange")
    src = tmp_path / "list.txt"
    src.write_text(f"pdq {HASH}\n")
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by="admin")
    svc.exchanges.sync("FILE_X")
    case_id = case_with_match(review, system, "acct-2", HASH)
    reviewer = Principal("rev-1", Role.REVIEWER, "session")
    system.review.desk.claim(reviewer, case_id)
    system.review.desk.decide(reviewer, case_id, "violating", "SP-1", "matches the listed picture")
    svc.send_verdicts()
    assert {e.value for e in svc.banks.repo.entries("FILE_X")} == {HASH}
    assert (tmp_path / "list.txt.opinions").read_text() == f"pdq {HASH} positive_class\n"
    system.close()
