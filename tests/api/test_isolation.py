"""The isolation matrix: every route of the service (each operation of its OpenAPI document, and the
console's HTML routes from its route table) called as every kind of caller, against the declared policy
(:data:`bastion.api.policy.POLICY`). A route added without a policy entry fails here the day it is added.

Platform A's stored data carries a marker (``orchidmoss``) that no request ever sends: a platform B answer
containing it is a leak, whatever the route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.api.access import ANONYMOUS, Scope
from bastion.api.policy import POLICY
from bastion.api.service import create_app, route_table
from bastion.core.roles import Role
from bastion.enforce.actions import ActionService
from bastion.enforce.model import Decision, parse_kinds
from bastion.review.auth import Principal
from bastion.review.service import Review
from bastion.store.tables_review import review_cases
from review.support import PASSWORD, login, report
from support.system import around

A, B = "alphaleaf", "bluewren"
MARKER = "orchidmoss"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
#: Refusals that are the endpoint's own, after the gate let the caller through (and logged there).
ENDPOINT_REFUSALS = {
    ("GET", "/v1/preservation/{item_id}"): {"reviewer", "auditor"},
    # Mastodon's webhooks authenticate by X-Hub-Signature, which no caller here sends: 401 for everyone
    ("POST", "/v1/mastodon/webhook"): {ANONYMOUS, "platform", "auditor", "reviewer", "lead", "admin"},
}


@dataclass
class World:
    case_id: int
    action_id: int


@dataclass
class Who:
    key: str
    role: str  # the policy's role name
    client: TestClient
    headers: dict[str, str]


def seed(review: Review) -> World:
    """Platform A: a closed case, an enforcement action; platform B: one report of its own."""
    a = review.auth.create_token(A)
    b = review.auth.create_token(B)
    with TestClient(
        create_app(around(review), start_workers=False),
        base_url="http://127.0.0.1",
    ) as c:
        for token, platform, rid in ((a, A, "r-a1"), (b, B, "r-b1")):
            body = report(rid, f"{MARKER}-target" if platform == A else "target-b", reason="spam")
            body["reporter_id"] = f"{MARKER}-reporter" if platform == A else "reporter-b"
            assert c.post("/v1/reports", json=body, headers={"Authorization": f"Bearer {token}"}).is_success
    review.triage()
    with review.engine.connect() as conn:
        case_id = conn.execute(
            select(review_cases.c.case_id).where(review_cases.c.platform == A)
        ).scalar_one()
    seer = Principal("seed-reviewer", Role.REVIEWER, "session")
    review.desk.claim(seer, case_id)
    review.desk.decide(seer, case_id, "violating", "SP-1", "seeded")
    (action_id,) = ActionService(review.store).apply(
        A, f"{MARKER}-acct", parse_kinds(["disable_account"]), Decision("seed-lead", "seeded", "SP-1")
    )
    return World(case_id, action_id)


def status_of_case(review: Review, case_id: int) -> str:
    with review.engine.connect() as conn:
        return str(
            conn.execute(select(review_cases.c.status).where(review_cases.c.case_id == case_id)).scalar_one()
        )


@pytest.fixture(autouse=True)
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ENV", "development")  # the preservation vault's development key
    monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)


@pytest.fixture
def callers(review: Review) -> Iterator[list[Who]]:
    app = create_app(around(review), start_workers=False)
    made: list[Who] = []
    clients: list[TestClient] = []

    def client() -> TestClient:
        c = TestClient(app, base_url="http://127.0.0.1")
        clients.append(c)
        return c

    made.append(Who(ANONYMOUS, ANONYMOUS, client(), {}))
    for key, label in (("platform-B", B), ("platform-A", A)):
        token = review.auth.create_token(label)
        made.append(Who(key, "platform", client(), {"Authorization": f"Bearer {token}"}))
    auditor_token = review.auth.create_token("oversight", "auditor")
    made.append(Who("auditor-token", "auditor", client(), {"Authorization": f"Bearer {auditor_token}"}))
    for role in ("auditor", "reviewer", "lead", "admin"):
        review.auth.add_user(f"{role}-1", role, PASSWORD)
        c = client()
        made.append(Who(role, role, c, {"X-CSRF-Token": login(c, f"{role}-1")}))
    yield made
    for c in clients:
        c.close()


def served_routes(app: Any) -> set[tuple[str, str]]:
    """Every operation of the OpenAPI document, plus the routes it leaves out (console, docs)."""
    doc = app.openapi()
    routes = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops if m.upper() in METHODS}
    for path, methods in route_table(app):
        routes |= {(m, path) for m in methods & METHODS}
    return routes


def bodies(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    """A valid body for each route that reads one (so an isolation failure cannot hide behind a 422)."""
    return {
        ("POST", "/v1/reports"): report("r-new", "target-new", platform=A),
        ("POST", "/v1/cases/{case_id}/decision"): {"outcome": "violating", "clause": "SP-1", "reason": "r"},
        ("POST", "/v1/cases/{case_id}/appeal"): {"reason": "the holder disagrees"},
        ("POST", "/v1/users"): {"name": "made-user", "role": "reviewer", "password": PASSWORD},
        ("POST", "/v1/tokens"): {"label": "made-token", "role": "platform"},
        ("POST", "/v1/actions"): {
            "platform": A,
            "account_id": "acct-new",
            "actions": ["disable_account"],
            "reason": "r",
            "clause": "SP-1",
        },
        ("POST", "/v1/actions/{action_id}/reverse"): {"reason": "r", "clause": "SP-1"},
        ("POST", "/v1/takedowns"): {"network_id": "net-x", "platform": A, "reason": "r", "clause": "SP-1"},
        ("POST", "/v1/guard/search"): {"query": "weather", "platform": A},
        ("POST", "/v1/guard/recommendations"): {"platform": A, "viewer_id": "v-1", "candidates": ["c-1"]},
        ("POST", "/v1/guard/contact"): {"platform": A, "sender_id": "s-1", "recipient_id": "v-1"},
        ("POST", "/v1/terms/match"): {"texts": ["hello"]},
        ("POST", "/v1/media/match"): {"items": [{"md5": "0" * 32}]},
        ("POST", "/v1/events"): {
            "event_id": "ev-new",
            "table": "accounts",
            "row": {"account_id": "acct-new", "created_at": "2024-03-01T12:00:00Z"},
        },
        ("POST", "/v1/mastodon/webhook"): {  # unsigned: 401 (the endpoint checks X-Hub-Signature)
            "event": "account.created",
            "created_at": "2024-03-01T12:00:00Z",
            "object": {"id": "1", "username": "new", "created_at": "2024-03-01T12:00:00Z"},
        },
        ("POST", "/v1/exchange/feedback"): {
            "signal_type": "pdq",
            "value": "0" * 64,
            "verdict": "true_positive",
        },
        ("POST", "/v1/exchange/floods/{flood_id}/decision"): {"decision": "release", "reason": "r"},
        ("POST", "/v1/shared/signals"): {
            "partner": "no-such-partner",
            "kind": "url",
            "value": "x",
            "category": "c",
        },
        ("POST", "/v1/shared/incoming/{partner}/{remote_seq}/review"): {"decision": "reject"},
        ("POST", "/v1/shared/incoming/{partner}/{remote_seq}/feedback"): {"verdict": "true_positive"},
        ("POST", "/v1/queues"): {"name": "made-queue", "rule": {"categories": ["spam"]}},
        ("PUT", "/v1/queues/{queue_id}"): {"name": "General", "rule": {}},
        ("POST", "/v1/queues/order"): {"queue_ids": [1]},
        ("POST", "/v1/cases/bulk-decision"): {
            "case_ids": [world.case_id],
            "outcome": "violating",
            "clause": "SP-1",
            "reason": "r",
        },
        ("POST", "/v1/cases/refer"): {"platform": A, "account_id": f"{MARKER}-acct", "reason": "r"},
    }


def request_for(method: str, path: str, world: World, app_doc: dict[str, Any]) -> dict[str, Any]:
    values = {
        "case_id": world.case_id,
        "action_id": world.action_id,
        "platform": A,
        "report_id": "r-a1",
        "takedown_id": 1,
        "decision_id": 1,
        "item_id": 1,
        "delivery_id": "1",
        "local_id": 1,
        "account_id": f"{MARKER}-acct",
        "bank_name": "NO_SUCH_BANK",
        "content_id": 1,
        "signal_type_name": "pdq",
        "api_name": "local_file",
        "exchange_name": "NO_SUCH_EXCHANGE",
        "flood_id": 1,
        "seq": 1,
        "partner": "no-such-partner",
        "remote_seq": 1,
        "queue_id": 1,  # the default queue (review_0004 makes it)
    }
    url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    params: dict[str, str] = {}
    op = app_doc["paths"].get(path, {}).get(method.lower(), {})
    for p in op.get("parameters", []):
        if p["in"] == "query" and (p.get("required") or p["name"] == "platform"):
            params[p["name"]] = A if p["name"] == "platform" else "net-x"
    if path in ("/cases/{case_id}/media.png", "/cases/{case_id}/tile"):
        params = {"post": "p-1", "media_id": "m-1"}
    if path == "/takedowns/new":
        params = {"network_id": "net-x", "platform": A}
    out: dict[str, Any] = {"url": url, "params": params}
    if "requestBody" in op:
        out["json"] = bodies(world)[(method, path)]
    elif method == "POST":
        out["data"] = {}
    return out


def names_platform_a(req: dict[str, Any]) -> bool:
    return (
        A in req["url"] or req["params"].get("platform") == A or (req.get("json") or {}).get("platform") == A
    )


def test_every_route_has_exactly_one_policy_entry(review: Review) -> None:
    app = create_app(around(review), start_workers=False)
    routes = served_routes(app)
    assert routes - POLICY.keys() == set(), "routes without a policy entry"
    assert POLICY.keys() - routes == set(), "policy entries for routes that do not exist"
    assert len(routes) >= 50


def test_isolation_matrix(review: Review, callers: list[Who]) -> None:
    world = seed(review)
    app = callers[0].client.app
    doc = app.openapi()  # type: ignore[attr-defined]
    routes = sorted(served_routes(app), key=lambda r: (r[1] == "/logout", r))  # log out last
    body_routes = {
        (m.upper(), p) for p, ops in doc["paths"].items() for m, op in ops.items() if "requestBody" in op
    }
    assert body_routes <= bodies(world).keys(), "give each new route with a body an example here"
    checked = 0
    for who in callers:
        for method, path in routes:
            rule = POLICY[(method, path)]
            req = request_for(method, path, world, doc)
            answer = who.client.request(method, headers=who.headers, follow_redirects=False, **req)
            code, where = answer.status_code, (who.key, method, path, answer.status_code, answer.text[:200])
            assert code < 500, where
            if who.role not in rule.roles:
                assert code == (401 if who.role == ANONYMOUS else 403), where
            elif who.key == "platform-B":
                assert MARKER not in answer.text, where
                if rule.scope == Scope.RESOURCE:
                    assert code == 404, where
                elif rule.scope == Scope.OWN and names_platform_a(req):
                    assert code in (403, 404) or (path == "/v1/reports" and code == 422), where
            elif code in (401, 403):
                assert who.role in ENDPOINT_REFUSALS.get((method, path), set()), where
            checked += 1
        if who.key == "platform-B":
            assert status_of_case(review, world.case_id) == "closed"  # B's appeal re-opened nothing
    assert checked == len(routes) * len(callers) and len(callers) == 8


def _token(review: Review, platform: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {review.auth.create_token(platform)}"}


def test_the_reported_leaks_are_closed(review: Review, client: TestClient) -> None:
    """Issue 14's list, one by one, as platform B against platform A's records."""
    world = seed(review)
    b = _token(review, B)
    feed = client.get("/v1/actions", headers=b)
    assert feed.status_code == 200 and feed.json()["events"] == []  # no parameter: its own only
    assert client.get("/v1/actions", params={"platform": A}, headers=b).status_code == 403
    assert client.get(f"/v1/actions/{world.action_id}/history", headers=b).status_code == 404
    appeal = client.post(f"/v1/cases/{world.case_id}/appeal", json={"reason": "x"}, headers=b)
    assert appeal.status_code == 404 and status_of_case(review, world.case_id) == "closed"
    for route, body in (
        ("/v1/guard/recommendations", {"platform": A, "viewer_id": "v", "candidates": ["c"]}),
        ("/v1/guard/contact", {"platform": A, "sender_id": "s", "recipient_id": "v"}),
        ("/v1/guard/search", {"platform": A, "query": "weather"}),
    ):
        assert client.post(route, json=body, headers=b).status_code == 403, route
    a = _token(review, A)
    own = client.get("/v1/actions", headers=a).json()["events"]
    # the seeded lead's action, and those the case's violating decision caused (decisions flow to actions)
    assert len(own) > 1 and {e["platform"] for e in own} == {A}
    assert client.get(f"/v1/actions/{world.action_id}/history", headers=a).status_code == 200
    reopened = client.post(f"/v1/cases/{world.case_id}/appeal", json={"reason": "x"}, headers=a)
    assert reopened.status_code == 200 and reopened.json()["stage"] == "appeal"
    assert reopened.json()["decisions"] == [] and reopened.json()["assignee"] is None  # no reviewer names
