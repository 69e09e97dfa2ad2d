"""``bastion ingest`` as an operator runs it: a summary, clear errors, exit codes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bastion.cli.main import app
from support.exports import export

runner = CliRunner()


def test_ingest_prints_a_summary_and_is_rerunnable(tmp_path: Path, db_url: str) -> None:
    folder = export(tmp_path)
    first = runner.invoke(app, ["ingest", str(folder), "--db", db_url])
    assert first.exit_code == 0, first.output
    assert "ingest summary" in first.output and "follows" in first.output
    second = runner.invoke(app, ["ingest", str(folder), "--db", db_url])
    assert second.exit_code == 0
    assert "unchanged, skipped" in second.output


def test_bad_rows_are_listed_and_strict_fails(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "accounts.csv").write_text(
        "account_id,created_at\na1,2023-06-07T12:00:00Z\na2,last tuesday\n", encoding="utf-8"
    )
    lenient = runner.invoke(app, ["ingest", str(tmp_path), "--db", db_url])
    assert lenient.exit_code == 0
    assert "accounts.csv, line 3, field 'created_at'" in lenient.output
    strict = runner.invoke(
        app, ["ingest", str(tmp_path), "--db", db_url, "--strict", "--force"], terminal_width=200
    )
    assert strict.exit_code == 2
    assert "accounts.csv, line 3, field 'created_at'" in strict.output


def test_missing_folder_and_bad_url_are_clear(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--db", f"sqlite:///{tmp_path}/x.db"])
    assert missing.exit_code == 2 and "is not a folder" in missing.output
    bad_url = runner.invoke(app, ["ingest", str(tmp_path), "--db", "mysql://x/y"])
    assert bad_url.exit_code == 2 and "unsupported database" in bad_url.output
