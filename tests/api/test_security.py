"""Every route needs authentication except /healthz and the login form; each role is refused what it may
not do; CSRF is enforced for sessions; secrets are stored hashed; the default secret is refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bastion.api.service import PUBLIC_PATHS, create_app, route_table
from bastion.core.errors import ConfigError
from bastion.review.service import Review
from bastion.review.settings import ReviewSettings
from bastion.store.tables_review import review_tokens, review_users
from review.support import client_for, login
from support.system import around

ROLES = ("admin", "lead", "reviewer", "auditor", "platform")
#: (method, path) -> roles allowed. Paths use case 1, which need not exist: a refusal comes before lookup.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/reports"): {"platform", "admin"},
    ("GET", "/v1/cases"): {"reviewer", "lead"},
    ("POST", "/v1/cases/next"): {"reviewer", "lead"},
    ("GET", "/v1/cases/1"): {"reviewer", "lead"},
    ("POST", "/v1/cases/1/decision"): {"reviewer", "lead"},
    ("POST", "/v1/cases/1/appeal"): {"platform", "lead"},
    ("POST", "/v1/users"): {"admin"},
    ("POST", "/v1/tokens"): {"admin"},
    ("GET", "/v1/audit"): {"auditor", "admin"},
    ("GET", "/v1/audit/verify"): {"auditor", "admin"},
    ("GET", "/v1/stats/reviewers"): {"lead", "admin", "auditor"},
    ("GET", "/metrics"): {"auditor", "admin"},
    ("POST", "/v1/catchup"): {"lead", "admin"},
    ("GET", "/queues"): {"reviewer", "lead"},
    ("GET", "/audit"): {"auditor", "admin"},
    ("POST", "/cases/1/discount"): {"lead"},
}


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_no_route_without_authentication(client: TestClient) -> None:
    checked = 0
    for path, methods in route_table(client.app):  # type: ignore[arg-type]
        if path.startswith(PUBLIC_PATHS):
            continue
        for method in methods - {"HEAD", "OPTIONS"}:
            answer = client.request(method, _fill(path), follow_redirects=False)
            assert answer.status_code == 401, (method, path, answer.status_code)
            checked += 1
    assert checked >= 30
    assert client.get("/healthz").status_code == 200
    assert client.get("/queues", headers={"Accept": "text/html"}, follow_redirects=False).status_code == 303


@pytest.fixture
def clients(review: Review) -> dict[str, tuple[TestClient, dict[str, str]]]:
    out: dict[str, tuple[TestClient, dict[str, str]]] = {}
    for role in ROLES:
        c = TestClient(
            create_app(around(review), start_workers=False),
            base_url="http://127.0.0.1",
        )
        if role == "platform":
            out[role] = (c, {"Authorization": f"Bearer {review.auth.create_token('pinegrove')}"})
        else:
            review.auth.add_user(f"{role}-1", role, "correct-horse-battery-1")
            out[role] = (c, {"X-CSRF-Token": login(c, f"{role}-1")})
    return out


def test_each_role_is_refused_what_it_may_not_do(
    clients: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    for (method, path), allowed in MATRIX.items():
        for role, (c, headers) in clients.items():
            answer = c.request(method, path, headers=headers, json={}, follow_redirects=False)
            if role in allowed:
                assert answer.status_code not in (401, 403), (role, method, path, answer.status_code)
            else:
                assert answer.status_code == 403, (role, method, path, answer.status_code)


def test_csrf_is_enforced_for_sessions(review: Review) -> None:
    review.auth.add_user("rita", "reviewer", "correct-horse-battery-1")
    with client_for(review) as c:
        csrf = login(c, "rita")
        assert c.post("/v1/cases/next").status_code == 403
        assert c.post("/v1/cases/next", headers={"X-CSRF-Token": "forged"}).status_code == 403
        assert c.post("/cases/next", data={"csrf_token": "forged"}).status_code == 403
        assert c.post("/v1/cases/next", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert c.post("/cases/next", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    with client_for(review) as c:  # a login form posted from elsewhere (no login cookie) is refused
        answer = c.post(
            "/login",
            data={"name": "rita", "password": "correct-horse-battery-1", "csrf_token": "x"},
            follow_redirects=False,
        )
        assert "error" in answer.headers["location"] and "bastion_session" not in answer.cookies


def test_wrong_password_and_unknown_token_are_refused(review: Review, client: TestClient) -> None:
    review.auth.add_user("rita", "reviewer", "correct-horse-battery-1")
    with pytest.raises(AssertionError):
        login(client, "rita", "wrong-password-123")
    assert client.get("/v1/cases", headers={"Authorization": "Bearer bst_made_up"}).status_code == 401


def test_secrets_are_stored_hashed(review: Review) -> None:
    review.auth.add_user("rita", "reviewer", "correct-horse-battery-1")
    token = review.auth.create_token("pinegrove")
    with review.engine.connect() as conn:
        stored_password = conn.execute(select(review_users.c.password_hash)).scalar_one()
        stored_token = conn.execute(select(review_tokens.c.token_hash)).scalar_one()
    assert stored_password.startswith("$argon2id$") and "correct-horse" not in stored_password
    assert token not in stored_token and len(stored_token) == 64


def test_default_secret_refused_outside_development() -> None:
    with pytest.raises(ConfigError):
        ReviewSettings(env="production").checked()
    ReviewSettings(env="development").checked()


def test_edited_audit_row_is_detected_by_api_and_cli(
    review: Review, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    from bastion.cli import review_cmd
    from bastion.review import audit
    from bastion.store.tables_review import review_audit

    for i in range(3):
        audit.record(review.engine, "ana", "case.view", f"case:{i}")
    app = typer.Typer()
    review_cmd.register(app)
    runner = CliRunner()
    monkeypatch.setenv("BASTION_ENV", "development")  # verify refuses the built-in key in production
    assert runner.invoke(app, ["audit", "verify", "--db", db_url]).exit_code == 0
    with review.engine.begin() as conn:
        conn.execute(review_audit.update().where(review_audit.c.seq == 2).values(subject="case:99"))
    result = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert result.exit_code == 1 and "row 2" in result.output
    token = review.auth.create_token("scraper", "auditor")
    with client_for(review) as c:
        verdict = c.get("/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}).json()
    assert verdict["ok"] is False


def test_api_docs_render_from_local_assets(review: Review, client: TestClient) -> None:
    """/docs needs a login and loads Swagger UI from this server, never from a CDN."""
    assert client.get("/docs", follow_redirects=False).status_code in (401, 303)
    review.auth.add_user("docs-reader", "auditor", "correct-horse-battery-1")
    login(client, "docs-reader")
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
