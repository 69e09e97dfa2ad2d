"""The CLI commands and the REST router over a small planted platform."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import typer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bastion.api import access, errors
from bastion.api.routers import enforce as api
from bastion.cli import enforce_cmd, report_cmd
from bastion.core.roles import Role
from bastion.enforce.settings import EnforceSettings
from bastion.review.auth import Principal
from bastion.store import Store

from .world import small_world


def _app() -> typer.Typer:
    app = typer.Typer()
    enforce_cmd.register(app)
    report_cmd.register(app)
    return app


def test_cli_takedown_status_evasion_cybertip(store: Store, db_url: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, networks = small_world(store, tmp_path)
    monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("BASTION_ENV", "development")
    run = CliRunner().invoke
    app = _app()
    preview = run(app, ["takedown", "preview", networks[0], "--db", db_url])
    assert preview.exit_code == 0 and "seller" in preview.output
    missing = run(
        app,
        ["takedown", "apply", networks[0], "--db", db_url, "--by", "rev", "--reason", "r", "--clause", " "],
    )
    assert missing.exit_code == 2  # a decision needs a clause
    applied = run(
        app,
        [
            "takedown",
            "apply",
            networks[0],
            "--db",
            db_url,
            "--by",
            "rev",
            "--reason",
            "sold",
            "--clause",
            "CS-1",
        ],
    )
    assert (
        applied.exit_code == 3 and "pending" in applied.output
    )  # no webhook: not yet on the platform, said so
    status = run(app, ["enforcement", "status", "--db", db_url])
    assert status.exit_code == 0 and "still active" in status.output and "transparency" in status.output
    ev = run(app, ["evasion", "--format", "json", "--scan", "--db", db_url])
    assert ev.exit_code == 0 and json.loads(ev.stdout) == []
    seller = next(
        a for a in store.signals.of_kind("network_member") if a.evidence["role"] == "seller"
    ).entity_id
    out = tmp_path / "r.xml"
    built = run(app, ["cybertip", "build", f"synthbook:{seller}", "--out", str(out), "--db", db_url])
    assert built.exit_code == 0 and out.read_bytes().startswith(b"<?xml")


@dataclass
class _Who:
    role: str


def test_api_actions_appeal_pull_and_preservation_roles(store: Store) -> None:
    app = FastAPI()
    errors.install(app)  # the service maps the error tree to statuses; a bare app needs it too
    app.include_router(api.router)
    who = _Who("reviewer")
    app.dependency_overrides[api.get_store] = lambda: store
    app.dependency_overrides[access.identify] = lambda: Principal(
        "alice", Role(who.role), "token", platform="p" if who.role == "platform" else None
    )
    app.dependency_overrides[api.get_settings] = lambda: EnforceSettings(
        env="development", preservation_roles="lead"
    )
    c = TestClient(app)
    body = {"platform": "p", "account_id": "a", "actions": ["disable_account"], "reason": "r", "clause": "c"}
    refused = c.post("/v1/actions", json=body)  # enforcement is a lead's reviewed decision, not a reviewer's
    assert refused.status_code == 403 and "lead" in refused.json()["detail"]
    assert c.get("/v1/actions", params={"since": 0}).status_code == 403  # the feed is the platform's
    who.role = "lead"
    bad = c.post(
        "/v1/actions",
        json={"platform": "p", "account_id": "a", "actions": ["nuke"], "reason": "r", "clause": "c"},
    )
    assert bad.status_code == 422
    made = c.post(
        "/v1/actions",
        json={
            "platform": "p",
            "account_id": "a",
            "actions": ["disable_account"],
            "reason": "r",
            "clause": "CS-1",
        },
    )
    assert made.status_code == 201
    (aid,) = made.json()["action_ids"]
    assert (
        c.post(f"/v1/actions/{aid}/reverse", json={"reason": "appeal upheld", "clause": "AP-1"}).json()[
            "state"
        ]
        == "reversed"
    )
    who.role = "platform"
    feed = c.get("/v1/actions", params={"since": 0}).json()
    assert [e["event"] for e in feed["events"]] == ["applied", "reversed"] and feed["events"][0][
        "actor"
    ] == "alice"
    assert c.get("/v1/actions", params={"since": feed["next"]}).json()["events"] == []
    who.role = "lead"
    assert c.get("/v1/preservation/1").status_code == 404
    assert c.get("/v1/takedowns/preview", params={"network_id": "none"}).status_code == 404
