"""Break the pipeline on purpose: the canary and a real report stay unqueued, the alarm fires (log line,
/healthz 503, Prometheus gauge, webhook), and clears once triage runs again."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bastion.core.timefmt import utcnow
from bastion.review import health as health_mod
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store import Store
from review.support import PLATFORM, client_for, make_review, report


@pytest.fixture
def monitored(store: Store) -> Any:
    r = make_review(store, alert_webhook="http://127.0.0.1:9/hook", queue_bound_seconds=30.0)
    yield r
    r.close()


def test_stalled_triage_raises_the_alarm(
    monitored: Review, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    posted: list[dict[str, Any]] = []
    monkeypatch.setattr(health_mod.httpx, "post", lambda url, json, timeout: posted.append(json))
    token = monitored.auth.create_token("auditor-scraper", "auditor")
    with client_for(monitored) as client:
        assert client.get("/healthz").status_code == 200
        store_reports(
            monitored.intake_engine, [ReportIn.model_validate(report("r1", "a1") | {"platform": PLATFORM})]
        )
        later = utcnow() + timedelta(seconds=120)
        with caplog.at_level(logging.ERROR, logger="bastion.review.health"):
            monitored.clock = lambda: later
            state = monitored.monitor_once()  # injects a canary; triage is "broken": never runs
        assert not state.ok and state.overdue == 2  # the real report and the canary
        assert any("canary" in p and "not in a queue" in p for p in state.problems)
        assert any("ALERT pipeline degraded" in r.message for r in caplog.records)
        assert posted and posted[0]["event"] == "pipeline_degraded"
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
        assert "bastion_pipeline_healthy 0.0" in metrics
        # repair: triage runs again, everything reaches a queue, the alarm clears once
        assert monitored.triage().triaged == 2
        monitored.clock = utcnow
        recovered = monitored.monitor_once()
        assert recovered.ok, recovered.problems
        assert posted[-1]["event"] == "pipeline_recovered"
        assert client.get("/healthz").status_code == 200


def test_canary_cases_never_reach_reviewers(monitored: Review, client: TestClient) -> None:
    health_mod.inject_canary(monitored.intake_engine)
    monitored.triage()
    from bastion.review.auth import Principal, Role

    assert monitored.desk.queues(Principal("ana", Role.REVIEWER, "session")) == []
    assert monitored.health().last_canary_latency is not None


def test_doctor_reports_a_stalled_pipeline(
    review: Review, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from bastion.cli import review_cmd

    app = typer.Typer()
    review_cmd.register(app)
    monkeypatch.setenv("BASTION_ENV", "development")
    runner = CliRunner()
    assert runner.invoke(app, ["doctor", "--db", db_url]).exit_code == 0
    store_reports(
        review.intake_engine, [ReportIn.model_validate(report("r1", "a1") | {"platform": PLATFORM})]
    )
    monkeypatch.setenv("BASTION_QUEUE_BOUND_SECONDS", "0")
    stalled = runner.invoke(app, ["doctor", "--db", db_url])
    assert stalled.exit_code == 1 and "DEGRADED" in stalled.output
    review.triage()
    assert runner.invoke(app, ["doctor", "--db", db_url]).exit_code == 0
