"""A CyberTipline report is legally required: control characters, NUL or U+FFFE in an account's fields must
not stop `bastion cybertip build` (they are spelled out as [U+XXXX] and the XML still validates)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.store import Store
from bastion.store.tables import accounts
from enforce.world import small_world


def test_cybertip_build_with_unprintable_account_fields(
    store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, networks = small_world(store, tmp_path)
    monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)
    monkeypatch.setenv("BASTION_ENV", "development")
    run = CliRunner().invoke
    args = ["--by", "rev", "--reason", "sold", "--clause", "CS-1", "--db", db_url]
    assert run(app, ["takedown", "apply", networks[0], *args]).exit_code == 3  # applied, delivery pending
    seller = next(
        a for a in store.signals.of_kind("network_member") if a.evidence["role"] == "seller"
    ).entity_id
    bad = "\x01\x1b\ufffe" + ("\x00" if store.dialect == "sqlite" else "")  # PostgreSQL cannot hold NUL
    with store.engine.begin() as conn:
        conn.execute(
            update(accounts)
            .where(accounts.c.account_id == seller)
            .values(username=f"otter{bad}", display_name=f"Sunny{bad}", bio=f"bio{bad}")
        )
    out = tmp_path / "r.xml"
    built = run(app, ["cybertip", "build", f"synthbook:{seller}", "--out", str(out), "--db", db_url])
    assert built.exit_code == 0, built.output
    xml = out.read_text(encoding="utf-8")
    assert "otter[U+0001][U+001B][U+FFFE]" in xml
