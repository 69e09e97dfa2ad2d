"""Over the API, a case decision is carried out without being typed again: the served app wires review to
enforcement, the case answer names the decision and what it did, a lead acts on a recorded decision by id
(never by re-entering reviewer, reason and clause), and the platform's feed shows each action's decision."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.review.service import Review
from bastion.store.tables_enforce import cybertip_reports
from review.support import PLATFORM, add_user, client_for, login, report, seed_network


@pytest.fixture
def sessions(review: Review) -> Iterator[dict[str, tuple[TestClient, dict[str, str]]]]:
    made = {}
    for name, role in (("ana", "reviewer"), ("lee", "lead")):
        add_user(review, name, role)
        c = client_for(review).__enter__()
        made[name] = (c, {"X-CSRF-Token": login(c, name)})
    yield made
    for c, _ in made.values():
        c.__exit__(None, None, None)


def test_a_case_decision_is_carried_out_and_referenced_not_retyped(
    review: Review, sessions: dict[str, tuple[TestClient, dict[str, str]]]
) -> None:
    seed_network(review.store)
    token = {"Authorization": f"Bearer {review.auth.create_token(PLATFORM)}"}
    (ana, a), (lee, lead) = sessions["ana"], sessions["lee"]
    assert ana.post(
        "/v1/reports", json=report("r-1", "acct-s") | {"platform": PLATFORM}, headers=token
    ).is_success
    review.triage()
    case_id = ana.post("/v1/cases/next", headers=a).json()["case_id"]
    body = {"outcome": "violating", "clause": "CS-4 network participation", "reason": "sells access"}
    decided = ana.post(f"/v1/cases/{case_id}/decision", json=body, headers=a).json()
    assert decided["status"] == "closed"
    (decision,) = decided["decisions"]
    assert (
        decision["final"] and decided["effects"]["action_ids"] and len(decided["effects"]["report_ids"]) == 2
    )

    shown = lee.get(f"/v1/decisions/{decision['decision_id']}", headers=lead).json()
    assert (shown["case_id"], shown["actor"], shown["category"]) == (case_id, "ana", "child_safety")
    assert {s["role"] for s in shown["subjects"]} == {"seller", "buyer", "facilitator", "unknown"}
    assert [x["action_id"] for x in shown["actions"]] == decided["effects"]["action_ids"]
    drafts = shown["cybertip_reports"]
    assert [(r["local_id"], r["status"]) for r in drafts] == [
        (i, "draft") for i in decided["effects"]["report_ids"]
    ]

    # a lead adds an action on the recorded decision: referenced by id, no reason or clause asked again
    extra = {"platform": PLATFORM, "account_id": "acct-b", "actions": ["disable_account"]}
    made = lee.post("/v1/actions", json=extra | {"decision_id": decision["decision_id"]}, headers=lead)
    assert made.status_code == 201 and made.json()["decision_id"] == decision["decision_id"]
    twice = extra | {"decision_id": decision["decision_id"], "reason": "again", "clause": "CS-4"}
    assert lee.post("/v1/actions", json=twice, headers=lead).status_code == 422
    outsider = extra | {"account_id": "acct-zz", "decision_id": decision["decision_id"]}
    refused = lee.post("/v1/actions", json=outsider, headers=lead)
    assert refused.status_code == 422 and "does not cover" in refused.text
    assert lee.post("/v1/actions", json=extra, headers=lead).status_code == 422  # neither: no decision

    feed = ana.get("/v1/actions", headers=token).json()["events"]
    assert {(e["decision_id"], e["case_id"], e["actor"]) for e in feed} == {
        (decision["decision_id"], case_id, "ana")
    }
    with review.engine.connect() as conn:
        drafts = conn.execute(select(cybertip_reports.c.case_id, cybertip_reports.c.decision_id)).all()
    assert set(drafts) == {(case_id, decision["decision_id"])}


def test_a_manual_action_outside_a_case_still_works(
    review: Review, sessions: dict[str, tuple[TestClient, dict[str, str]]]
) -> None:
    lee, lead = sessions["lee"]
    body = {"platform": PLATFORM, "account_id": "acct-q", "actions": ["remove_content"], "post_id": "post-9"}
    made = lee.post("/v1/actions", json=body | {"reason": "spam wave", "clause": "SP-1"}, headers=lead)
    assert made.status_code == 201
    shown = lee.get(f"/v1/decisions/{made.json()['decision_id']}", headers=lead).json()
    assert (shown["stage"], shown["case_id"], shown["reason"], shown["actor"]) == (
        "manual",
        None,
        "spam wave",
        "lee",
    )
    assert shown["subjects"] == [
        {
            "platform": PLATFORM,
            "account_id": "acct-q",
            "role": "subject",
            "post_id": "post-9",
            "network_id": None,
        }
    ]
    assert lee.get("/v1/decisions/999", headers=lead).status_code == 404


def test_the_console_says_what_a_decision_carried_out(
    review: Review, sessions: dict[str, tuple[TestClient, dict[str, str]]]
) -> None:
    seed_network(review.store)
    token = {"Authorization": f"Bearer {review.auth.create_token(PLATFORM)}"}
    ana, a = sessions["ana"]
    assert ana.post(
        "/v1/reports", json=report("r-2", "acct-s") | {"platform": PLATFORM}, headers=token
    ).is_success
    review.triage()
    case_id = ana.post("/v1/cases/next", headers=a).json()["case_id"]
    answer = ana.post(
        f"/cases/{case_id}/decide",
        data={
            "csrf_token": a["X-CSRF-Token"],
            "outcome": "violating",
            "clause": "CS-4",
            "reason": "sells access",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = ana.get(answer.headers["location"]).text
    assert "action(s) taken" in page and "2 CyberTipline draft(s)" in page
