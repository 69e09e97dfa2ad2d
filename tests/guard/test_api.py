from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException

with warnings.catch_warnings():  # starlette asks for httpx2 over httpx; either serves this test
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from bastion.api import access, errors
from bastion.api.routers import guard as guard_api
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.store import Store

TOKEN = "test-token-not-a-secret"


def require_token(authorization: str | None = Header(default=None)) -> None:
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(status_code=401, detail="authentication required")


@pytest.fixture
def client(tiny_store: Store) -> Iterator[TestClient]:
    app = FastAPI()
    errors.install(app)  # the service maps the error tree to statuses; a bare app needs it too
    app.include_router(guard_api.router, dependencies=[Depends(require_token)])
    app.dependency_overrides[guard_api.get_store] = lambda: tiny_store
    app.dependency_overrides[access.identify] = lambda: Principal("tester", Role.ADMIN, "token")
    with TestClient(app) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_endpoints_refuse_unauthenticated_calls(client: TestClient) -> None:
    body = {"viewer_id": "adam", "candidates": ["s1"]}
    assert client.post("/v1/guard/recommendations", json=body).status_code == 401
    bad = {"Authorization": "Bearer wrong"}
    assert client.post("/v1/guard/recommendations", json=body, headers=bad).status_code == 401
    contact = {"sender_id": "s1", "recipient_id": "kid"}
    assert client.post("/v1/guard/contact", json=contact).status_code == 401


def test_recommendations_filtered_in_order_with_reasons(client: TestClient) -> None:
    body = {
        "viewer_id": "kid",
        "candidates": [
            "popular",
            "s1",
            {"id": "post-9", "account_id": "suspect"},
            "hanger",
            {"id": "ada", "via": ["s1", "s2"]},
            "kid2",
        ],
    }
    response = client.post("/v1/guard/recommendations", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["kept"] == ["popular", "kid2"]
    assert [(r["id"], r["reason"]) for r in out["removed"]] == [
        ("s1", "network_member"),
        ("post-9", "suspicious_for_minor"),
        ("hanger", "network_orbit"),
        ("ada", "via_network_only"),
    ]


def test_contact_decision_and_signal(client: TestClient, tiny_store: Store) -> None:
    response = client.post(
        "/v1/guard/contact", json={"sender_id": "s1", "recipient_id": "kid", "kind": "message"}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "block"
    warned = client.post("/v1/guard/contact", json={"sender_id": "adam", "recipient_id": "kid"}, headers=AUTH)
    assert warned.json()["action"] == "warn" and "report" in warned.json()["safety_tools"]
    assert {s.entity_id for s in tiny_store.signals.of_kind("contact_guard")} == {"s1", "adam"}


def test_bad_input_and_unknown_platform(client: TestClient) -> None:
    bad_kind = {"sender_id": "s1", "recipient_id": "kid", "kind": "poke"}
    assert client.post("/v1/guard/contact", json=bad_kind, headers=AUTH).status_code == 422
    body = {"platform": "nope", "viewer_id": "adam", "candidates": []}
    assert client.post("/v1/guard/recommendations", json=body, headers=AUTH).status_code == 404


def test_without_store_configured_answers_503(tiny_store: Store) -> None:
    app = FastAPI()
    app.include_router(guard_api.router)
    app.dependency_overrides[access.identify] = lambda: Principal("tester", Role.ADMIN, "token")
    with TestClient(app) as c:
        assert c.post("/v1/guard/contact", json={"sender_id": "a", "recipient_id": "b"}).status_code == 503
