"""Bastion's actions carried out on Mastodon through Mastodon.py, against a stand-in Mastodon admin API on a
real loopback socket (``mastodon_standin``; documented paths and answer shapes, not a live Mastodon server).
The action feed is Bastion's own (``ActionService.events``, what ``GET /v1/actions`` serves)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bastion.api.service import create_app
from bastion.cli.main import app as cli
from bastion.cli.mastodon_cmd import VaultEvidence, build, run_pass
from bastion.connectors.mastodon import ActionPoller, Ledger, MastodonAdmin, Preserver, sign
from bastion.core.errors import ConfigError
from bastion.enforce import ActionService, ConnectorLedger, Decision
from bastion.enforce.model import parse_kinds
from bastion.report import AccessDenied, PreservationVault
from bastion.review.service import Review
from bastion.system import Scheduler
from connectors.mastodon_payloads import REPORT_ID, TARGET_ID, admin_report, webhook
from connectors.mastodon_standin import Server, StandIn
from support.shapes import shapes_png
from support.system import around

PLATFORM = "mastodon.example"
TOKEN = "admin-token-with-admin-scopes"
MEDIA = "/system/media_attachments/files/original/7.png"
LEAD = Decision("lead-1", "confirmed by review", "SP-1")


@pytest.fixture
def world() -> Iterator[StandIn]:
    w = StandIn(files={MEDIA: shapes_png(4)})
    with Server(w):
        w.add_account(TARGET_ID, "pebbleperson", MEDIA)
        w.add_account("555", "quietperson", None)
        w.open_reports[TARGET_ID] = [REPORT_ID]
        yield w


@pytest.fixture
def env(world: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BASTION_ENV", "development")  # the development preservation key
    monkeypatch.setenv("BASTION_MASTODON_PLATFORM", PLATFORM)
    monkeypatch.setenv("BASTION_MASTODON_URL", world.url)
    monkeypatch.setenv("BASTION_MASTODON_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("BASTION_MASTODON_WEBHOOK_SECRET", "webhook-secret-for-tests")
    monkeypatch.setenv("BASTION_MASTODON_MEDIA_PRIVATE_HOSTS", "true")  # the stand-in is on loopback
    return tmp_path / "mastodon-state"


@pytest.fixture
def poller(review: Review, env: Path) -> tuple[ActionPoller, Ledger]:
    p = build(around(review))
    return p, p.state


def test_a_reported_account_is_preserved_then_suspended_with_the_report_id(
    review: Review, world: StandIn, poller: tuple[ActionPoller, Ledger]
) -> None:
    p, state = poller
    with TestClient(create_app(around(review), start_workers=False), base_url="http://127.0.0.1") as c:
        body = json.dumps(webhook("report.created", admin_report(f"{world.url}{MEDIA}"))).encode()
        signature = sign(b"webhook-secret-for-tests", body)
        assert c.post("/v1/mastodon/webhook", content=body, headers={"X-Hub-Signature": signature}).is_success
    review.triage()
    world.seen.clear()
    ActionService(review.store).apply(PLATFORM, TARGET_ID, parse_kinds(["disable_account"]), LEAD)
    assert p.step() == 1
    order = [(s.method, s.path) for s in world.seen]
    assert order == [
        ("GET", f"/api/v1/admin/accounts/{TARGET_ID}"),
        ("GET", f"/api/v1/accounts/{TARGET_ID}/statuses"),
        ("GET", MEDIA),  # the file is kept before the suspension that deletes it
        ("GET", "/api/v1/admin/reports"),
        ("POST", f"/api/v1/admin/accounts/{TARGET_ID}/action"),
        ("GET", "/api/v1/admin/reports"),  # nothing left open: Mastodon resolved it with the action
    ]
    action = world.calls("POST", "/action")[0]
    assert action.form["type"] == "suspend" and action.form["report_id"] == REPORT_ID
    assert action.authorization == f"Bearer {TOKEN}"
    assert world.calls("GET", "/admin/reports")[0].query["target_account_id"] == [TARGET_ID]
    assert world.accounts[TARGET_ID]["suspended"] is True and world.open_reports == {}
    log = {(a["action"], a["status"]) for a in state.audit_log()}
    assert {("preserve", "done"), ("account_suspend", "done")} <= log
    # the evidence is in Bastion's preservation vault: encrypted at rest, read by a lead, every access logged
    event_id = ActionService(review.store).events(platform=PLATFORM)[0].event_id
    key = f"bastion-action-{event_id}:preserve"
    vault = _vault(review)
    item_id = vault.evidence(PLATFORM, key)
    assert item_id is not None
    (item,) = [i for i in vault.items() if i.item_id == item_id]
    assert item.local_id is None and item.account_id == TARGET_ID and item.action_ref == key
    assert item.preserve_until - item.started_at >= timedelta(days=365)
    assert _ciphertext(review, item_id).count("pebbleperson") == 0
    with pytest.raises(AccessDenied):
        vault.read(item_id, actor="mod-1", role="moderator")
    record = vault.read(item_id, actor="lead-1", role="lead")
    kept = record["files"][0]
    assert base64.b64decode(kept["content_b64"]) == shapes_png(4)
    assert kept["sha256"] == hashlib.sha256(shapes_png(4)).hexdigest()
    assert record["manifest"]["files"][0]["sha256"] == kept["sha256"]
    assert record["account"]["username"] == "pebbleperson" and record["statuses"][0]["id"] == f"s-{TARGET_ID}"
    over_api = _api_as_lead(review).get(f"/v1/preservation/{item_id}")
    assert over_api.status_code == 200, over_api.text
    served = over_api.json()["files"][0]  # a browser never gets the media: hashes, and the bytes withheld
    assert "content_b64" not in served and served["sha256"] == kept["sha256"]
    accesses = [(a.actor, a.role, a.action) for a in vault.access_log(item_id)]
    assert accesses == [
        ("mastodon-enforce", "system", "create"),
        ("mod-1", "moderator", "denied"),
        ("lead-1", "lead", "read"),
        ("lead-api", "lead", "read"),
    ]


def test_a_retried_event_changes_nothing_twice(
    review: Review, world: StandIn, poller: tuple[ActionPoller, Ledger]
) -> None:
    p, state = poller
    ActionService(review.store).apply(PLATFORM, TARGET_ID, parse_kinds(["disable_account"]), LEAD)
    world.fail_next["POST /action"] = 1  # Mastodon is briefly unavailable
    assert p.step() == 0  # kept for a retry, the cursor did not move
    assert [a["status"] for a in state.audit_log() if a["action"] == "account_suspend"] == ["retry"]
    assert p.step() == 1
    state.set("actions.cursor", "0")  # as if the process died before the cursor moved
    assert p.step() == 1
    assert len(world.calls("POST", "/action")) == 2  # the 503 and the one that worked
    assert len(world.calls("GET", MEDIA)) == 1  # preserved once
    assert [a["status"] for a in state.audit_log() if a["action"] == "account_suspend"] == ["done"]


def test_restrictions_silence_once_reversal_unsuspends_removal_goes_to_a_person(
    review: Review, world: StandIn, poller: tuple[ActionPoller, Ledger]
) -> None:
    p, state = poller
    actions = ActionService(review.store)
    actions.apply(PLATFORM, "555", parse_kinds(["restrict_search", "restrict_recommendations"]), LEAD)
    actions.apply(PLATFORM, "555", parse_kinds(["remove_content"]), LEAD, post_id="s-555")
    (disable,) = actions.apply(PLATFORM, TARGET_ID, parse_kinds(["disable_account"]), LEAD)
    assert p.step() == 4
    silenced = world.calls("POST", "/api/v1/admin/accounts/555/action")
    assert [s.form["type"] for s in silenced] == ["silence"] and "report_id" not in silenced[0].form
    removal = [a for a in state.audit_log() if a["action"] == "remove_content"]
    assert removal[0]["status"] == "needs_operator" and removal[0]["target"] == "s-555"
    actions.reverse(disable, Decision("lead-1", "appeal upheld", "SP-1"))
    assert p.step() == 1
    assert world.calls("POST", f"/api/v1/admin/accounts/{TARGET_ID}/unsuspend")
    assert world.accounts[TARGET_ID]["suspended"] is False


def test_an_unknown_account_is_refused_for_good_and_the_feed_moves_on(
    review: Review, world: StandIn, poller: tuple[ActionPoller, Ledger]
) -> None:
    p, state = poller
    ActionService(review.store).apply(PLATFORM, "404404", parse_kinds(["disable_account"]), LEAD)
    assert p.step() == 1
    statuses = {a["action"]: a["status"] for a in state.audit_log()}
    assert statuses == {"preserve": "done", "account_suspend": "failed"}
    assert p.step() == 0 and len(world.calls("POST", "/action")) == 1


def test_preserved_evidence_lasts_a_year_at_least_and_is_purged_after(
    review: Review, world: StandIn, env: Path
) -> None:
    ledger = ConnectorLedger(review.store, "mastodon:test")
    admin = MastodonAdmin(world.url, TOKEN, ledger)
    key = base64.urlsafe_b64encode(b"k" * 32)
    with pytest.raises(ConfigError, match="365"):
        PreservationVault(review.store, key, days=30)
    vault = PreservationVault(review.store, key)
    keeper = Preserver(admin, ledger, VaultEvidence(vault, PLATFORM), allow_private=True)
    item_id = keeper.preserve(TARGET_ID, key="case-1")
    assert keeper.preserve(TARGET_ID, key="case-1") == item_id  # never twice
    assert len(world.calls("GET", MEDIA)) == 1
    (item,) = vault.items()
    assert vault.purge_due(now=item.preserve_until - timedelta(seconds=1)) == 0
    assert vault.purge_due(now=item.preserve_until) == 1
    with pytest.raises(Exception, match="destroyed"):
        vault.read(item_id, actor="lead-1", role="lead")
    assert [a.action for a in vault.access_log(item_id)] == ["create", "purge", "read"]
    assert [a["action"] for a in ledger.audit_log()] == ["preserve"]


def test_the_serve_job_runs_a_pass_and_is_a_no_op_unconfigured(
    review: Review, world: StandIn, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bastion = around(review)
    scheduler = Scheduler(bastion, jobs=[j for j in Scheduler(bastion).jobs if j.name == "mastodon-enforce"])
    ActionService(review.store).apply(PLATFORM, TARGET_ID, parse_kinds(["disable_account"]), LEAD)
    state = scheduler.run_once("mastodon-enforce")
    assert state.last_error is None and state.failures == 0
    assert world.accounts[TARGET_ID]["suspended"] is True
    assert _vault(review).evidence(PLATFORM, f"bastion-action-{_event_id(review)}:preserve") is not None
    assert run_pass(bastion) == 0  # the next pass finds nothing new: the cursor is in the store
    monkeypatch.delenv("BASTION_MASTODON_URL")
    unconfigured = around(review)
    ActionService(review.store).apply(PLATFORM, "555", parse_kinds(["restrict_search"]), LEAD)
    assert run_pass(unconfigured) == 0 and not world.calls("POST", "/api/v1/admin/accounts/555/action")


def test_the_command_needs_a_server_and_enforces_once(review: Review, env: Path, world: StandIn) -> None:
    ActionService(review.store).apply(PLATFORM, TARGET_ID, parse_kinds(["disable_account"]), LEAD)
    ran = CliRunner().invoke(cli, ["mastodon", "enforce", "--once", "--db", review.store.url])
    assert ran.exit_code == 0, ran.output
    assert "1 action event(s) enforced" in ran.output and world.calls("POST", "/action")
    missing = CliRunner().invoke(
        cli, ["mastodon", "enforce", "--once", "--db", review.store.url], env={"BASTION_MASTODON_URL": ""}
    )
    assert missing.exit_code != 0 and "BASTION_MASTODON_URL" in missing.output


def _vault(review: Review) -> PreservationVault:
    settings = around(review).section("enforce")
    return PreservationVault(review.store, settings.fernet_key(), reader_roles=settings.reader_roles)


def _api_as_lead(review: Review) -> TestClient:
    from fastapi import FastAPI

    from bastion.api import access, errors
    from bastion.api.routers import enforce as api
    from bastion.core.roles import Role
    from bastion.review.auth import Principal

    app = FastAPI()
    errors.install(app)
    app.include_router(api.router)
    app.dependency_overrides[api.get_store] = lambda: review.store
    app.dependency_overrides[access.identify] = lambda: Principal("lead-api", Role("lead"), "token")
    app.dependency_overrides[api.get_settings] = lambda: around(review).section("enforce")
    return TestClient(app)


def _event_id(review: Review) -> int:
    return ActionService(review.store).events(platform=PLATFORM)[0].event_id


def _ciphertext(review: Review, item_id: int) -> str:
    from sqlalchemy import select

    from bastion.store.tables_enforce import preservation_items

    with review.store.engine.connect() as conn:
        token = conn.scalar(
            select(preservation_items.c.ciphertext).where(preservation_items.c.item_id == item_id)
        )
    assert isinstance(token, str) and token
    return token
