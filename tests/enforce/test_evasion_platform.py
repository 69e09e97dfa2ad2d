"""Ban evasion on the platform's own bans: export ``status`` (with or without ``status_changed_at``) makes
an account an original, end to end through ingest and the ``bastion evasion`` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.enforce.evasion_originals import Original, find_originals
from bastion.enforce.evasion_store import scan_evasion
from bastion.enforce.model import Decision
from bastion.enforce.takedown import Takedowns
from bastion.ingest import Ingestor
from bastion.store import Store
from bastion.store.tables import accounts
from bastion.synth import generate, write_export

from .recreate import later_export
from .world import SMALL, plant_networks

HEADER = "account_id,created_at,status,status_changed_at\n"
AT = "2026-03-01T10:00:00Z"


def _accounts(folder: Path, rows: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "platform.json").write_text(json.dumps({"platform": "tiny"}), encoding="utf-8")
    (folder / "accounts.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _status_rows(store: Store) -> dict[str, tuple[str, datetime | None, datetime | None]]:
    a = accounts.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(a.account_id, a.status, a.status_changed_at, a.status_seen_at))
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_status_changed_at_is_parsed_and_a_bad_value_rejected_with_file_line_field(
    store: Store, tmp_path: Path
) -> None:
    folder = _accounts(
        tmp_path / "e1",
        [
            f"a1,2026-01-01T00:00:00Z,disabled,{AT}",
            "a2,2026-01-01T00:00:00Z,disabled,last tuesday",
            "a3,2026-01-01T00:00:00Z,deleted,",
            "a4,2026-01-01T00:00:00Z,active,",
        ],
    )
    summary = Ingestor(store).ingest(folder)
    assert summary.rejected == 1 and summary.accepted == 3
    err = summary.errors[0]
    assert (err.file, err.line, err.field) == ("accounts.csv", 3, "status_changed_at")
    assert "not an ISO 8601" in err.message
    rows = _status_rows(store)
    assert rows["a1"][1] == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert rows["a3"][1] is None and rows["a3"][2] is not None  # no platform time: Bastion's first sight
    originals = find_originals(store, "tiny")
    assert set(originals) == {"a1", "a3"}
    assert originals["a1"].evidence() == ["disabled by the platform on 2026-03-01T10:00:00Z"]
    assert originals["a3"].evidence()[0].startswith("deleted by the platform, first seen 20")


def test_first_seen_time_changes_only_when_the_status_does(store: Store, tmp_path: Path) -> None:
    rows = ["b1,2026-01-01T00:00:00Z,active,", "b2,2026-01-01T00:00:00Z,active,"]
    Ingestor(store).ingest(_accounts(tmp_path / "e", rows))
    before = _status_rows(store)
    rows[1] = "b2,2026-01-01T00:00:00Z,disabled,"
    Ingestor(store).ingest(_accounts(tmp_path / "e", rows), force=True)
    after = _status_rows(store)
    assert after["b1"] == before["b1"]
    assert after["b2"][0] == "disabled" and after["b2"][2] is not None and before["b2"][2] is not None
    assert after["b2"][2] > before["b2"][2]


def test_original_evidence_keeps_both_sources() -> None:
    t = datetime(2026, 5, 1, tzinfo=UTC)
    both = Original("x", t, action_id=12, action_at=t, status="disabled", status_seen_at=t)
    assert both.evidence() == [
        "disabled by the platform, first seen 2026-05-01T00:00:00Z",
        "disabled by Bastion action 12 on 2026-05-01T00:00:00Z",
    ]
    assert both.not_before == t


def test_platform_bans_are_originals_end_to_end_through_the_cli(db_url: str, tmp_path: Path) -> None:
    """No Bastion action at all: the later export says the sellers are disabled, and `bastion ingest`
    followed by `bastion evasion` links their re-creations, naming the platform as the source."""
    platform = generate(SMALL)
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(write_export(platform, tmp_path / "export")), "--db", db_url])
    assert first.exit_code == 0, first.output
    later = later_export(platform, tmp_path / "later", seed=4, hard_share=0.5)
    second = runner.invoke(app, ["ingest", str(later.folder), "--db", db_url])
    assert second.exit_code == 0, second.output
    out = runner.invoke(app, ["evasion", "--format", "json", "--scan", "--db", db_url])
    assert out.exit_code == 0, out.output
    links = json.loads(out.stdout)
    right = [x for x in links if later.recreated.get(x["account_id"]) == x["original_account_id"]]
    assert len(right) >= 0.75 * len(later.recreated) and len(right) == len(links)
    assert all(x["evidence"][0].startswith("disabled by the platform, first seen") for x in links)
    assert not {x["account_id"] for x in links} & set(later.hard)


def test_platform_and_bastion_bans_together(store: Store, tmp_path: Path) -> None:
    """The platform says when (status_changed_at) and Bastion also took the network down: one original
    with both sources, linked to the action."""
    platform = generate(SMALL)
    Ingestor(store).ingest(write_export(platform, tmp_path / "export"))
    networks = plant_networks(store, platform)
    later = later_export(platform, tmp_path / "later", seed=4, status_changed_at=True)
    for net in networks:
        Takedowns(store).apply(net, Decision("rev", "takedown", "CS-1", at=later.decided_at))
    Ingestor(store).ingest(later.folder)
    found = scan_evasion(store, platform.truth.platform)
    assert found and all(later.recreated.get(m.account_id) == m.original_account_id for m in found)
    signal = next(iter(store.signals.of_kind("evasion", platform.truth.platform)))
    evidence = signal.evidence["evidence"]
    assert isinstance(evidence, list)
    assert evidence[0].startswith("disabled by the platform on ")
    assert evidence[1].startswith("disabled by Bastion action ")
    assert signal.evidence["original_action_id"] is not None
