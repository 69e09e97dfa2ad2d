"""``bastion catchup`` as an operator runs it after live events (the scans and detection catch up once, a
second run finds nothing new), and the same pass as the leader's scheduled job."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.system import Bastion, Scheduler, declared_jobs
from bastion.system.leader import FileLeader
from support.events import event, send
from support.exports import export

runner = CliRunner()


def test_catchup_runs_detection_once_per_change(store: Store, db_url: str, tmp_path: Path) -> None:
    Ingestor(store).ingest(export(tmp_path))
    first = runner.invoke(app, ["catchup", "--db", db_url, "--platform", "synthbook"])
    assert first.exit_code == 0, first.output
    assert "detection: full run" in first.output and "triage:" in first.output
    again = runner.invoke(app, ["catchup", "--db", db_url])
    assert again.exit_code == 0 and "detection: up to date" in again.output
    send(store, "synthbook", [event("a", "accounts", account_id="live1", created_at="2026-03-01T12:00:00Z")])
    step = runner.invoke(app, ["catchup", "--db", db_url])
    assert step.exit_code == 0 and "up to change 1" in step.output
    assert "detection: up to date" not in step.output
    wrong = runner.invoke(app, ["catchup", "--db", db_url, "--platform", "nosuch"])
    assert wrong.exit_code != 0


def test_the_leader_runs_catchup_as_a_job(
    store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_CATCHUP_INTERVAL_SECONDS", "17")
    Ingestor(store).ingest(export(tmp_path))
    with Bastion(store=store) as b:
        job = next(j for j in declared_jobs(b) if j.name == "catchup")
        assert job.every(b) == 17.0
        state = Scheduler(b, leader=FileLeader(Path(os.devnull))).run_once("catchup")
        assert state.last_error is None
        assert store.changes.checkpoint("graph", "synthbook") == 0  # caught up (no event yet)
        assert b.graph.networks()  # the first pass ran detection
