"""``bastion catchup`` as an operator runs it after live events: the scans and detection catch up once,
and a second run finds nothing new."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.ingest import Ingestor
from bastion.store import Store
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
