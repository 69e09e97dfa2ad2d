"""Queue rules and bulk decisions over HTTP (no browser): a lead's forms need the session's CSRF token and
the lead role, a bad rule is refused naming its field, the API defines and orders the same queues, and a
bulk preview writes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store.tables_review import review_decisions
from review.support import PLATFORM, add_user, client_for, login, report


def _scam_cases(review: Review, *targets: str) -> None:
    store_reports(
        review.intake_engine,
        [ReportIn.model_validate(report(f"r-{t}", t, "scam", platform=PLATFORM)) for t in targets],
    )
    review.triage()


def test_rule_forms_need_a_lead_and_the_csrf_token(review: Review) -> None:
    add_user(review, "rita", "reviewer")
    add_user(review, "lee", "lead")
    form = {"name": "Scams", "categories": ["scam"]}
    with client_for(review) as rita:
        csrf = login(rita, "rita")
        assert rita.get("/queues/rules").status_code == 403
        assert rita.post("/queues/rules", data=form | {"csrf_token": csrf}).status_code == 403
    with client_for(review) as lee:
        csrf = login(lee, "lee")
        assert lee.post("/queues/rules", data=form | {"csrf_token": "forged"}).status_code == 403
        bad = lee.post(
            "/queues/rules",
            data={"name": "Waiting", "min_age_hours": "soon", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert bad.status_code == 303 and "rule.min_age_hours" in lee.get(bad.headers["location"]).text
        made = lee.post("/queues/rules", data=form | {"csrf_token": csrf}, follow_redirects=False)
        assert made.status_code == 303
        page = lee.get("/queues/rules").text
        assert "category scam" in page and 'data-queue="Waiting"' not in page


def test_the_api_defines_orders_and_counts_queues(review: Review, client: TestClient) -> None:
    add_user(review, "lee", "lead")
    headers = {"X-CSRF-Token": login(client, "lee")}
    _scam_cases(review, "acct-1", "acct-2")
    one = client.post("/v1/queues", json={"name": "Scams", "rule": {"categories": ["scam"]}}, headers=headers)
    two = client.post("/v1/queues", json={"name": "Urgent", "rule": {"priorities": [1]}}, headers=headers)
    assert one.status_code == two.status_code == 201
    bad = client.post("/v1/queues", json={"name": "X", "rule": {"roles": ["owner"]}}, headers=headers)
    assert bad.status_code == 422 and "rule.roles" in bad.text
    ids = [two.json()["queue_id"], one.json()["queue_id"]]
    assert client.post("/v1/queues/order", json={"queue_ids": ids}, headers=headers).status_code == 200
    assert client.post("/v1/queues/reroute", headers=headers).json() == {"moved": 2}
    listed = client.get("/v1/queues", headers=headers).json()
    assert [q["name"] for q in listed] == ["Urgent", "Scams", "General"]
    assert (listed[1]["open"], listed[1]["claimable"]) == (2, 2) and listed[1]["oldest_seconds"] >= 0
    assert client.delete("/v1/queues/1", headers=headers).status_code == 409  # the default queue stays


def test_a_bulk_preview_writes_nothing(review: Review) -> None:
    add_user(review, "lee", "lead")
    _scam_cases(review, "acct-1", "acct-2")
    with client_for(review) as lee:
        csrf = login(lee, "lee")
        form = {
            "csrf_token": csrf,
            "case_id": ["1", "2"],
            "outcome": "violating",
            "clause": "SC-1",
            "reason": "r",
        }
        shown = lee.post("/queues/bulk", data=form)
        assert shown.status_code == 200 and "2 of 2 case(s) can be decided" in shown.text
        with review.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(review_decisions)).scalar_one() == 0
        empty = lee.post("/queues/bulk", data=form | {"reason": " "}, follow_redirects=False)
        assert empty.status_code == 303 and "reason" in empty.headers["location"]
