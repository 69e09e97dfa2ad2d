"""The web surface: request limits (413/422, never 500), security headers and no-store caching, Swagger UI
that reads OpenAPI 3.1 from this server, every request body model in the components, and 422 answers that
match their documented schema."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bastion.api.limits import ApiLimits, has_nul, json_depth
from bastion.api.models import ErrorOut
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.review.service import Review
from review.support import add_user, login, report
from support.system import around

BIG = str(2**63)


def _reviewer(review: Review, client: TestClient) -> dict[str, str]:
    add_user(review, "rita", "reviewer")
    return {"X-CSRF-Token": login(client, "rita")}


def test_json_depth_and_nul_scanners() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}') == 3
    assert json_depth(b"[" * 40 + b"]" * 40) == 40
    assert has_nul(b'{"a": "x\\u0000"}') and not has_nul(b'{"a": "x\\\\u0000"}')


def test_body_over_the_limit_is_413(review: Review) -> None:
    from bastion.api.service import create_app

    app = create_app(
        around(review),
        start_workers=False,
        limits=ApiLimits(max_body_bytes=2_000),
    )
    headers = {"Authorization": f"Bearer {review.auth.create_token('pinegrove')}"}
    with TestClient(app, base_url="http://127.0.0.1") as c:
        big = report("r1", "t", extra={"blob": "x" * 5_000})
        answer = c.post("/v1/reports", json=big, headers=headers)
        assert answer.status_code == 413 and answer.json()["field"] == "body"
        chunks = iter([b'{"texts": ["', b"y" * 3_000, b'"]}'])  # no Content-Length: counted as it streams
        streamed = c.post("/v1/terms/match", content=chunks, headers=headers)
        assert streamed.status_code == 413
        assert c.post("/v1/reports", json=report("r2", "t"), headers=headers).status_code == 201


def test_bad_values_are_422_never_500(review: Review, client: TestClient) -> None:
    headers = _reviewer(review, client)
    platform = {"Authorization": f"Bearer {review.auth.create_token('pinegrove')}"}
    deep = "[" * 200 + "]" * 200
    assert client.post("/v1/terms/match", content=deep, headers=platform).status_code == 422
    assert client.get(f"/v1/cases/{BIG}", headers=headers).status_code == 422
    assert client.post(f"/v1/cases/{BIG}/claim", headers=headers).status_code == 422
    assert client.get(f"/v1/actions/{BIG}/history", headers=headers).status_code == 422
    assert client.get("/v1/actions", params={"since": BIG}, headers=platform).status_code == 422
    empty = {"viewer_id": "v", "candidates": [""]}
    assert client.post("/v1/guard/recommendations", json=empty, headers=platform).status_code == 422
    nul = {"viewer_id": "v\u0000", "candidates": ["c"]}
    assert client.post("/v1/guard/recommendations", json=nul, headers=platform).status_code == 422
    lone = '{"sender_id": "s\\ud800", "recipient_id": "v"}'  # a lone surrogate: not UTF-8
    typed = platform | {"Content-Type": "application/json"}
    assert client.post("/v1/guard/contact", content=lone, headers=typed).status_code == 422
    assert client.get("/v1/reports/pinegrove/a%00b", headers=platform).status_code == 422
    assert client.get(f"/cases/{BIG}", headers=headers, follow_redirects=False).status_code in (303, 422)


def test_422_answers_match_the_documented_schema(review: Review, client: TestClient) -> None:
    add_user(review, "ada", "admin")
    login(client, "ada")
    doc = client.get("/openapi.json").json()
    assert {"ReportIn", "ErrorOut", "IntakeResponse"} <= doc["components"]["schemas"].keys()
    appeal = doc["paths"]["/v1/cases/{case_id}/appeal"]["post"]
    assert appeal["x-roles"] == ["lead", "platform"] and appeal["x-platform-scope"] == "resource"
    bodies = {
        ref.rsplit("/", 1)[1]
        for path in doc["paths"].values()
        for op in path.values()
        for ref in re.findall(r'"\$ref": "([^"]+)"', str(op.get("requestBody", "")).replace("'", '"'))
    }
    assert bodies <= doc["components"]["schemas"].keys() and "ReportIn" in bodies
    documented = doc["paths"]["/v1/users"]["post"]["responses"]["422"]["content"]["application/json"]
    assert documented["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    answer = client.post("/v1/users", json={"name": ""}, headers={"X-CSRF-Token": login(client, "ada")})
    assert answer.status_code == 422
    ErrorOut.model_validate(answer.json())
    assert answer.json()["errors"][0]["field"].startswith("body")


def test_security_headers_and_no_store_on_evidence(review: Review, client: TestClient) -> None:
    from sqlalchemy import select

    from bastion.store.tables_review import review_cases

    token = review.auth.create_token("pinegrove")
    client.post("/v1/reports", json=report("r1", "acct-a"), headers={"Authorization": f"Bearer {token}"})
    review.triage()
    with review.engine.connect() as conn:
        case_id = conn.execute(select(review_cases.c.case_id)).scalar_one()
    _reviewer(review, client)
    review.desk.claim(Principal("rita", Role.REVIEWER, "session"), case_id)
    page = client.get(f"/cases/{case_id}")
    api = client.get(f"/v1/cases/{case_id}")
    login_page = client.get("/login")
    for answer in (page, api, login_page):
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "script-src 'self';" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    static = client.get("/static/console.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui.css"])
def test_docs_use_a_swagger_ui_that_reads_openapi_31(review: Review, client: TestClient, asset: str) -> None:
    add_user(review, "ada", "auditor")
    login(client, "ada")
    page = client.get("/docs")
    assert page.status_code == 200 and f"/docs-assets/{asset}" in page.text
    assert "<script>" not in page.text and "cdn" not in page.text.lower()
    init = client.get("/docs/init.js")
    assert init.status_code == 200 and "/openapi.json" in init.text
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    bundle = client.get(f"/docs-assets/{asset}")
    assert bundle.status_code == 200
    if asset.endswith(".js"):  # Swagger UI reads OpenAPI 3.1 from version 5 on
        version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle.text)
        assert version is not None and int(version.group(1)) >= 5 and "isOAS31" in bundle.text


def test_console_routes_answer_junk_without_a_server_error(review: Review, client: TestClient) -> None:
    """The console's HTML routes are not in the OpenAPI document (so not fuzzed there): junk ids, NUL and
    oversized values get a 3xx/4xx, never a 500."""
    from bastion.api.service import route_table

    add_user(review, "lea", "lead")
    csrf = login(client, "lea")
    openapi = client.get("/openapi.json").json()["paths"]
    junk = [BIG, "x" * 300, "%00"]
    checked = 0
    for path, methods in route_table(client.app):  # type: ignore[arg-type]
        if path in openapi or path.startswith(("/static", "/docs-assets", "/logout")) or not methods:
            continue
        for method in methods - {"HEAD", "OPTIONS"}:
            for value in junk:
                url = re.sub(r"\{[^}]+\}", value, path)
                form = {
                    "csrf_token": csrf,
                    "outcome": value,
                    "reason": value,
                    "post": value,
                    "media_id": value,
                }
                answer = client.request(
                    method,
                    url,
                    params={"post": value, "media_id": value, "subject": value},
                    data=form if method == "POST" else None,
                    headers={"X-CSRF-Token": csrf},
                    follow_redirects=False,
                )
                assert answer.status_code < 500, (method, url, answer.status_code, answer.text[:200])
                checked += 1
    assert checked >= 40
