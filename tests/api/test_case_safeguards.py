"""The API keeps the console's safeguards: evidence only for the reviewer who holds the case, and a second
reviewer never sees the first decision (blind second review); a lead deciding a disagreement sees both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bastion.review.service import Review
from bastion.store import Store
from review.support import add_user, client_for, login, make_review, report


@pytest.fixture
def every_case_second(store: Store) -> Iterator[Review]:
    r = make_review(store, second_review_rate=1.0)
    yield r
    r.close()


def _session(review: Review, name: str, role: str) -> tuple[TestClient, dict[str, str]]:
    add_user(review, name, role)
    c = client_for(review).__enter__()
    return c, {"X-CSRF-Token": login(c, name)}


def test_held_case_evidence_and_blind_second_review(every_case_second: Review) -> None:
    review = every_case_second
    token = review.auth.create_token("pinegrove")
    with client_for(review) as c:
        sent = c.post(
            "/v1/reports", json=report("r1", "acct-a"), headers={"Authorization": f"Bearer {token}"}
        )
        assert sent.status_code == 201
    review.triage()
    (ana, a), (ben, b), (lea, lead) = (
        _session(review, "ana", "reviewer"),
        _session(review, "ben", "reviewer"),
        _session(review, "lea", "lead"),
    )
    try:
        case_id = ana.post("/v1/cases/next", headers=a).json()["case_id"]
        assert ben.get(f"/v1/cases/{case_id}", headers=b).status_code == 409  # held by ana: no evidence
        assert ana.get(f"/v1/cases/{case_id}", headers=a).status_code == 200
        first = {"outcome": "not_violating", "clause": "CS-1", "reason": "anchor-text-from-ana"}
        decided = ana.post(f"/v1/cases/{case_id}/decision", json=first, headers=a).json()
        assert decided["stage"] == "second" and decided["status"] == "open"
        claimed = ben.post(f"/v1/cases/{case_id}/claim", headers=b)
        assert claimed.status_code == 200
        assert claimed.json()["decisions"] == [] and claimed.json()["outcome"] is None
        seen = ben.get(f"/v1/cases/{case_id}", headers=b)
        assert seen.status_code == 200 and "anchor-text-from-ana" not in seen.text  # blind
        second = {"outcome": "violating", "clause": "CS-1", "reason": "ben-reason"}
        assert ben.post(f"/v1/cases/{case_id}/decision", json=second, headers=b).json()["stage"] == "lead"
        at_lead = lea.post(f"/v1/cases/{case_id}/claim", headers=lead).json()
        assert [d["reviewer"] for d in at_lead["decisions"]] == ["ana", "ben"]  # the lead sees both
    finally:
        for c in (ana, ben, lea):
            c.__exit__(None, None, None)
