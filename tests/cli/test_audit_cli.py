"""``bastion audit verify``, ``audit checkpoint`` and ``doctor`` as an operator runs them against a log a
database writer has tampered with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.review import audit
from bastion.store import Store
from bastion.store.tables_review import review_audit, review_audit_head

runner = CliRunner()


@pytest.fixture
def anchors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit-anchors.jsonl"
    monkeypatch.setenv("BASTION_ENV", "development")
    monkeypatch.setenv("BASTION_AUDIT_ANCHOR", str(path))
    return path


def test_cli_writes_anchor_and_detects_a_rewound_tail(store: Store, db_url: str, anchors: Path) -> None:
    for i in range(4):
        audit.record(store.engine, "ana", "case.view", f"case:{i}")
    added = runner.invoke(app, ["users", "add", "bea", "--role", "reviewer", "--db", db_url])
    assert added.exit_code == 0, added.output
    assert json.loads(anchors.read_text().splitlines()[-1])["seq"] == 5  # anchored on the way out
    ok = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert ok.exit_code == 0 and "intact: 5 rows" in ok.output, ok.output

    with store.engine.begin() as conn:  # drop the last two rows and rewind the head to match
        conn.execute(delete(review_audit).where(review_audit.c.seq >= 4))
        h3 = conn.execute(select(review_audit.c.hash).where(review_audit.c.seq == 3)).scalar_one()
        conn.execute(update(review_audit_head).values(seq=3, hash=h3))
    broken = runner.invoke(app, ["audit", "verify", "--db", db_url], terminal_width=200)
    assert broken.exit_code == 1 and "BROKEN from row 4" in broken.output, broken.output
    doctor = runner.invoke(app, ["doctor", "--db", db_url], terminal_width=200)
    assert doctor.exit_code == 1 and "BROKEN from row 4" in doctor.output, doctor.output


def test_checkpoint_command_and_anchors_file_option(
    store: Store, db_url: str, anchors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit.record(store.engine, "ana", "case.view", "case:1")
    done = runner.invoke(app, ["audit", "checkpoint", "--db", db_url])
    assert done.exit_code == 0 and "checkpoint: row 1" in done.output, done.output
    with store.engine.begin() as conn:
        conn.execute(delete(review_audit))
        conn.execute(delete(review_audit_head))
    monkeypatch.delenv("BASTION_AUDIT_ANCHOR")  # e.g. the webhook receiver's copy, handed over as a file
    emptied = runner.invoke(app, ["audit", "verify", "--anchors", str(anchors), "--db", db_url])
    assert emptied.exit_code == 1 and "emptied" in emptied.output, emptied.output
    missing = runner.invoke(app, ["audit", "verify", "--anchors", str(tmp_path / "nope"), "--db", db_url])
    assert missing.exit_code == 2 and "nope" in missing.output
    unset = runner.invoke(app, ["audit", "checkpoint", "--db", db_url])
    assert unset.exit_code == 2 and "BASTION_AUDIT_ANCHOR" in unset.output


def test_verify_refuses_the_development_key_in_production(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_ENV", "production")
    monkeypatch.delenv("BASTION_SECRET_KEY", raising=False)
    monkeypatch.delenv("BASTION_AUDIT_KEY", raising=False)
    res = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert res.exit_code == 2 and "no audit key" in res.output
