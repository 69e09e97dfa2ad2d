"""The CLI (hash, bank, scan media) and an end-to-end scan of a small synthetic platform."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from bastion.cli import media_cmd
from bastion.ingest import Ingestor
from bastion.media.hashing import REFRAMED
from bastion.media.repository import BankRepository
from bastion.media.service import MediaMatcher
from bastion.store import Store
from bastion.synth import SynthConfig, generate, write_export


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    media_cmd.register(app)
    return app


def test_hash_prints_json_lines_and_fails_only_the_bad_file(
    tmp_path: Path, app: typer.Typer, shapes: Callable[..., Image.Image]
) -> None:
    good = tmp_path / "a.png"
    shapes(3).save(good)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    other = tmp_path / "b.png"
    shapes(4).save(other)
    res = CliRunner().invoke(app, ["hash", str(good), str(bad), str(other), "--rotations", "--reframes"])
    assert res.exit_code == 1
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert [Path(x["path"]).name for x in lines] == ["a.png", "b.png"]
    assert {"pdq", "quality", "md5", "sha256"} <= set(lines[0]) and len(lines[0]["rotations"]) == 8
    assert set(lines[0]["reframed"]) == set(REFRAMED)
    assert "broken.jpg" in res.stderr


def test_bank_commands(tmp_path: Path, app: typer.Typer) -> None:
    db = f"sqlite:///{tmp_path / 'b.db'}"
    src = tmp_path / "list.csv"
    src.write_text("type,value\npdq," + "ab" * 32 + "\nmd5," + "c" * 32 + "\n")
    run = CliRunner().invoke
    res = run(
        app, ["bank", "import", str(src), "--list", "fp", "--negative", "--threshold", "12", "--db", db]
    )
    assert res.exit_code == 0, res.output
    assert "2 added" in res.stdout
    listing = run(app, ["bank", "list", "--db", db]).stdout
    assert "fp" in listing and "negative" in listing and "12" in listing
    out = run(app, ["bank", "export", "fp", "--format", "threatexchange", "--db", db]).stdout
    assert out.splitlines() == ["pdq " + "ab" * 32, "video_md5 " + "c" * 32]
    assert run(app, ["bank", "remove", "fp", "ab" * 32, "--db", db]).exit_code == 0
    assert run(app, ["bank", "remove", "fp", "ab" * 32, "--db", db]).exit_code == 1  # no longer there
    bad = tmp_path / "bad.csv"
    bad.write_text("type,value,list\npdq,xyz,fp\n")
    res = run(app, ["bank", "import", str(bad), "--db", db])
    assert res.exit_code == 2 and "bad.csv" in res.stderr and "line 2" in res.stderr


def test_bank_import_says_which_entries_can_never_match(tmp_path: Path, app: typer.Typer) -> None:
    """A partner's vPDQ entry whose every frame is under the quality bar is kept, as listed, and said:
    upstream never compares such frames, so it matches nothing."""
    db = f"sqlite:///{tmp_path / 'b.db'}"
    dim = json.dumps([[0, 49, "ab" * 32, 0.0], [1, 10, "cd" * 32, 1.0]])
    bright = json.dumps([[0, 49, "ab" * 32, 0.0], [1, 50, "cd" * 32, 1.0]])
    src = tmp_path / "videos.json"
    src.write_text(json.dumps([{"type": "vpdq", "value": v, "list": "partner"} for v in (dim, bright)]))
    res = CliRunner().invoke(app, ["bank", "import", str(src), "--db", db], terminal_width=300)
    assert res.exit_code == 0, res.output
    assert "2 added" in res.stdout
    assert "1 of those added can never match: every frame is under the quality bar (50)" in res.stdout
    with Store(db) as store:
        summary = BankRepository(store).import_records([], by="t")
        assert summary.unmatchable == ()
        again = BankRepository(store).import_file(src, by="t")  # already listed: nothing added, nothing said
        assert (again.added, again.skipped, again.unmatchable) == (0, 2, ())


def test_end_to_end_synthetic_platform(tmp_path: Path, app: typer.Typer) -> None:
    platform = generate(SynthConfig(accounts=400, seed=3))
    export = write_export(platform, tmp_path / "export")
    truth = platform.truth
    bank = tmp_path / "known.json"
    bank.write_text(json.dumps(truth.known_hashes))
    db = f"sqlite:///{tmp_path / 'e2e.db'}"
    with Store(db) as store:
        Ingestor(store).ingest(export)
    run = CliRunner().invoke
    assert run(app, ["bank", "import", str(bank), "--db", db]).exit_code == 0
    res = run(app, ["scan", "media", "--db", db])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "bastion-index" / "manifest.json").exists()  # saved beside the SQLite file
    name = platform.config.platform
    with Store(db) as store:
        flagged = {
            s.entity_id for s in store.signals.of_kind("hash_match", name) if s.entity_type == "account"
        }
        sellers = set(truth.members("seller"))
        assert flagged and flagged <= sellers  # seller posts carry the near-duplicates; nobody else does
        assert len(flagged) >= len(sellers) // 2
        # a negative-list entry suppresses exactly the posts that carry its hash
        repo = BankRepository(store)
        first_pdq = next(k["value"] for k in truth.known_hashes if k["type"] == "pdq")
        before = MediaMatcher(store, repo.matcher).scan(name)
        repo.add("pdq", first_pdq, "false-positives", by="test")
        repo.ensure_list("false-positives", by="test", negative=True)
        repo.refresh()
        after = MediaMatcher(store, repo.matcher).scan(name)
        assert repo.reloaded  # the scan command's saved index was reused
        assert after.suppressed > 0 and after.matched_media == before.matched_media - after.suppressed
