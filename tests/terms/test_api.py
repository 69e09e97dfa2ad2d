"""The REST router on a tiny app built here: the service app will include it the same way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException

from bastion.api import access
from bastion.api.routers import terms as terms_api
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.store import Store
from bastion.terms.guard import GuardPolicy, HelpResource
from bastion.terms.lexicon import Lexicon
from bastion.terms.repository import LexiconRepository

testclient = pytest.importorskip("fastapi.testclient")

POLICY = GuardPolicy(
    block_message="Operator text.", resources=(HelpResource("Helpline", "https://help.example.org"),)
)


def _auth(x_key: str = Header(default="")) -> None:
    if x_key != "k":
        raise HTTPException(status_code=401)


@pytest.fixture
def client(store: Store) -> Iterator[object]:
    LexiconRepository(store).import_lexicon(
        Lexicon.of("l", [("bluefinch", "cat_block", 4), ("tidelamp", "cat_warn", 2)]), by="t"
    )
    app = FastAPI()
    app.include_router(terms_api.make_router(dependencies=[Depends(_auth)]))
    app.dependency_overrides[terms_api.get_store] = lambda: store
    app.dependency_overrides[terms_api.get_policy] = lambda: POLICY
    app.dependency_overrides[access.identify] = lambda: Principal("tester", Role.ADMIN, "token")
    with testclient.TestClient(app, headers={"x-key": "k"}) as c:
        yield c


def test_guard_search_block_warn_allow_and_no_bypass(client: object, store: Store) -> None:
    c = client  # type: ignore[assignment]
    r = c.post("/v1/guard/search", json={"query": "b1ue finch", "viewer_id": "a9", "platform": "p"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"action", "message", "resources"}  # no bypass, no matched terms
    r = c.post("/v1/guard/search", json={"query": "bluef1nch pics", "viewer_id": "a9", "platform": "p"})
    body = r.json()
    assert body["action"] == "block" and body["message"] == "Operator text."
    assert body["resources"][0]["name"] == "Helpline"
    assert [s.entity_id for s in store.signals.of_kind("blocked_search")] == ["a9"]
    assert c.post("/v1/guard/search", json={"query": "tidelamp", "platform": "p"}).json()["action"] == "warn"
    assert (
        c.post("/v1/guard/search", json={"query": "tidelamp", "platform": "p", "age_band": "minor"}).json()[
            "action"
        ]
        == "block"
    )
    assert c.post("/v1/guard/search", json={"query": "weather", "platform": "p"}).json()["action"] == "allow"
    bad = c.post("/v1/guard/search", json={"query": "x", "platform": "p", "see_results_anyway": True})
    assert bad.status_code == 422


def test_match_endpoint_and_lexicon_changes_are_picked_up(client: object, store: Store) -> None:
    c = client  # type: ignore[assignment]
    texts = ["see b.l.u.e.f.i.n.c.h", "quietfern", "nothing"]
    r = c.post("/v1/terms/match", json={"texts": texts, "field": "text"})
    results = r.json()["results"]
    assert [x["text"] for x in results] == texts
    m = results[0]["matches"][0]
    assert m["term"] == "bluefinch" and texts[0][m["start"] : m["end"]] == "b.l.u.e.f.i.n.c.h"
    assert "separators" in m["evasions"] and results[1]["matches"] == []
    LexiconRepository(store).import_lexicon(Lexicon.of("own", [("quietfern", "cat_warn", 2)]), by="t")
    assert c.post("/v1/terms/match", json={"texts": ["quietfern"]}).json()["results"][0]["matches"]


def test_auth_seam_and_unconfigured_store(client: object) -> None:
    c = client  # type: ignore[assignment]
    assert c.post("/v1/terms/match", json={"texts": []}, headers={"x-key": "no"}).status_code == 401
    app = FastAPI()
    app.include_router(terms_api.router)
    app.dependency_overrides[access.identify] = lambda: Principal("tester", Role.ADMIN, "token")
    r = testclient.TestClient(app).post("/v1/terms/match", json={"texts": ["a"]})
    assert r.status_code == 503
