"""Intake over HTTP: acknowledged once stored, stored once, bad items named, the rest of a batch kept."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.review.service import Review
from bastion.store.tables import reports
from review.support import PLATFORM, report


def _count(review: Review) -> int:
    with review.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def auth(review: Review) -> dict[str, str]:
    return {"Authorization": f"Bearer {review.auth.create_token(PLATFORM)}"}


def test_single_report_is_stored_once(client: TestClient, review: Review) -> None:
    headers = auth(review)
    first = client.post("/v1/reports", json=report("r1", "acct-a"), headers=headers)
    again = client.post("/v1/reports", json=report("r1", "acct-a"), headers=headers)
    assert first.status_code == 201 and first.json()["items"][0]["status"] == "stored"
    assert again.status_code == 200 and again.json()["items"][0]["status"] == "duplicate"
    assert _count(review) == 1


def test_idempotency_key_stands_in_for_missing_ids(client: TestClient, review: Review) -> None:
    headers = auth(review) | {"Idempotency-Key": "batch-7"}
    body = [{k: v for k, v in report(str(i), "acct-a").items() if k != "report_id"} for i in range(3)]
    first = client.post("/v1/reports", json=body, headers=headers)
    retry = client.post("/v1/reports", json=body, headers=headers)
    assert first.json()["stored"] == 3
    assert retry.json()["duplicate"] == 3
    assert _count(review) == 3


def test_batch_names_bad_field_and_keeps_the_rest(client: TestClient, review: Review) -> None:
    bad = report("r2", "acct-a", target_type="planet")
    missing = {k: v for k, v in report("r3", "acct-a").items() if k != "reason"}
    answer = client.post(
        "/v1/reports", json={"reports": [report("r1", "acct-a"), bad, missing]}, headers=auth(review)
    )
    assert answer.status_code == 207
    items = answer.json()["items"]
    assert [i["status"] for i in items] == ["stored", "rejected", "rejected"]
    assert items[1]["field"] == "target_type" and items[2]["field"] == "reason"
    assert _count(review) == 1


def test_single_malformed_report_is_422_naming_the_field(client: TestClient, review: Review) -> None:
    answer = client.post(
        "/v1/reports", json=report("r1", "acct-a", created_at="yesterday"), headers=auth(review)
    )
    assert answer.status_code == 422
    assert answer.json()["items"][0]["field"] == "created_at"
    not_json = client.post("/v1/reports", content=b"{", headers=auth(review))
    assert not_json.status_code == 422 and not_json.json()["field"] == "body"


def test_platform_token_writes_only_for_its_platform(client: TestClient, review: Review) -> None:
    answer = client.post(
        "/v1/reports", json=report("r1", "acct-a", platform="elsewhere"), headers=auth(review)
    )
    assert answer.status_code == 422 and answer.json()["items"][0]["field"] == "platform"
    assert _count(review) == 0


def test_report_reaches_a_queue_and_status_says_where(client: TestClient, review: Review) -> None:
    headers = auth(review)
    client.post("/v1/reports", json=report("r1", "acct-a"), headers=headers)
    before = client.get(f"/v1/reports/{PLATFORM}/r1", headers=headers).json()
    assert before["case_id"] is None
    assert review.triage().triaged == 1
    after = client.get(f"/v1/reports/{PLATFORM}/r1", headers=headers).json()
    assert after["case_id"] is not None and after["queued_at"] is not None
    other = {"Authorization": f"Bearer {review.auth.create_token('otherplatform')}"}
    assert client.get(f"/v1/reports/{PLATFORM}/r1", headers=other).status_code == 404
