"""Every CLI command, fed junk: a clear error naming the input, a non-zero exit, no traceback, and nothing
already accepted is lost.

The command list comes from the typer app itself, so a command added tomorrow is fuzzed the day it lands.
Each command gets a few seeded examples (junk files for path parameters, junk text for the rest, and junk
database URLs), all against one small, already-loaded store (SQLite, and PostgreSQL when the run has it)
whose contents are checked after each run.
"""

from __future__ import annotations

import json
import os
import random
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.review import audit
from bastion.store import Store
from bastion.store.schema import metadata
from bastion.store.tables import accounts, posts, reports
from bastion.store.tables_review import review_audit, review_users
from support.exports import export

runner = CliRunner()
PG_URL = os.environ.get("BASTION_TEST_DATABASE_URL")
EXAMPLES = 3
JUNK_TEXT = [
    "",
    "\x00",
    "x" * 3000,
    "../../etc/passwd",
    "-",
    "ü\ufffe\u202e",
    "1; DROP TABLE accounts",
    "%s%n",
]
JUNK_DB = ["notaurl://x", "sqlite:////nonexistent-dir/x/y.db", "postgresql://nobody@127.0.0.1:1/none"]
BUG_MARKERS = ("Traceback", "unexpected error")


def _leaves(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from _leaves(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = sorted(_leaves(typer.main.get_command(app)), key=lambda c: c[0])


def _path_params(command: Any) -> set[str]:
    hints = typing.get_type_hints(command.callback)
    return {name for name, hint in hints.items() if Path in (hint, *typing.get_args(hint))}


#: Parameters Bastion writes to (a file, or a folder for the last two): junk there is the wrong kind of thing.
OUTPUT_FILES = {"out", "as_json"}
OUTPUT_DIRS = {"workdir", "index_dir"}


def _junk_file(rng: random.Random, folder: Path, n: int, param: str) -> Path:
    if param in OUTPUT_FILES:
        kinds = ["directory"]
    elif param in OUTPUT_DIRS:
        kinds = ["random"]
    else:
        kinds = ["random", "empty", "deep", "utf16", "missing", "directory", "csvish"]
    kind = rng.choice(kinds)
    path = folder / f"junk{n}-{kind}.csv"
    if kind == "random":
        path.write_bytes(rng.randbytes(2000))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "deep":
        path = path.with_suffix(".json")
        path.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "utf16":
        path.write_bytes("term,category\nbluefinch,cat_a\n".encode("utf-16-le"))
    elif kind == "directory":
        path.mkdir()
        (path / "accounts.csv").write_bytes(rng.randbytes(300))
    elif kind == "csvish":
        path.write_text('a,"b\n' + ",".join('"' * rng.randint(0, 3) for _ in range(50)), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, int]]]:
    """A store holding a small platform, a lexicon, a person and audit rows: what junk must never damage."""
    root = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'bastion.db'}"
    else:
        url = request.getfixturevalue("pg_database")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} CASCADE"))
        engine.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BASTION_ENV", "development")
        assert runner.invoke(app, ["ingest", str(export(root)), "--db", url]).exit_code == 0
        lexicon = root / "colours.csv"
        lexicon.write_text("term,category,severity\nbluefinch,cat_a,high\ntealkite,cat_a,low\n")
        assert (
            runner.invoke(app, ["lexicon", "import", str(lexicon), "--by", "t", "--db", url]).exit_code == 0
        )
        assert runner.invoke(app, ["users", "add", "ana", "--role", "lead", "--db", url]).exit_code == 0
    with Store(url) as store:
        yield url, _state(store)


def _state(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        counts = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (accounts, posts, reports, review_users, review_audit)
        }
    counts["audit_ok"] = int(audit.verify(store.engine).ok)
    return counts


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_junk_in_clear_error_out(
    path: tuple[str, ...],
    command: Any,
    loaded: tuple[str, dict[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, before = loaded
    monkeypatch.setenv("BASTION_ENV", "development")
    monkeypatch.setenv("BASTION_AUDIT_ANCHOR", str(tmp_path / "anchors.jsonl"))
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)  # `serve` must not bind a port in a test
    rng = random.Random(" ".join(path))
    paths = _path_params(command)
    params = {p.name: p for p in command.params if p.name != "help" and not getattr(p, "is_flag", False)}
    # one junk target per example (a path parameter, or the database URL), so the error can name it
    targets = sorted(paths) + (["db"] if "db" in params else [])
    rng.shuffle(targets)
    for n in range(EXAMPLES):
        target = targets[n % len(targets)] if targets else None
        args, junk = list(path), []
        for name, p in params.items():
            if name == "db" or not (p.required or name == target):
                continue
            if name in paths:
                value = str(_junk_file(rng, tmp_path, n, name))
                junk.append(Path(value).name)
            else:
                value = rng.choice(["superuser", "ADMIN\x00"]) if name == "role" else rng.choice(JUNK_TEXT)
                junk += [value.strip()[:12] or name, name]
            args += [p.opts[0], value] if p.opts[0].startswith("-") else [value]
        if "db" in params:
            db = rng.choice(JUNK_DB) if target == "db" else url
            args += ["--db", db]
            if target == "db":
                junk += [db.split(":")[0], db.rsplit("/", 1)[-1]]
        res = runner.invoke(app, args, terminal_width=300)
        shown = res.output
        assert not any(marker in shown for marker in BUG_MARKERS), (args, shown)
        assert res.exception is None or isinstance(res.exception, SystemExit), (args, repr(res.exception))
        if target is not None:
            assert res.exit_code != 0 and "error" in shown.lower(), (args, shown)
            if target not in OUTPUT_FILES | OUTPUT_DIRS:  # an output may not be reached: it fails earlier
                assert any(name in shown for name in junk), (args, junk, shown)
    with Store(url) as store:
        after = _state(store)
    for table, count in before.items():
        assert after[table] >= count, (table, before, after)


def test_every_command_is_fuzzed() -> None:
    assert len(COMMANDS) >= 35 and ("ingest",) in [p for p, _ in COMMANDS]


def test_settings_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, loaded: tuple[str, Any]) -> None:
    monkeypatch.setenv("BASTION_ENV", "staging")
    res = runner.invoke(app, ["doctor", "--db", loaded[0]], terminal_width=300)
    assert res.exit_code == 2 and "BASTION_ENV" in res.output and "staging" in res.output
    assert "Traceback" not in res.output


def test_bank_json_nested_too_deeply(tmp_path: Path, loaded: tuple[str, Any]) -> None:
    deep = tmp_path / "bank.json"
    deep.write_text(json.dumps({"entries": []})[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    res = runner.invoke(app, ["bank", "import", str(deep), "--db", loaded[0]], terminal_width=300)
    assert res.exit_code == 2 and "bank.json" in res.output and "nested too deeply" in res.output


def test_binary_lexicon_file_names_the_file(tmp_path: Path, loaded: tuple[str, Any]) -> None:
    binary = tmp_path / "terms.csv"
    binary.write_bytes(bytes(range(256)) * 8)
    res = runner.invoke(app, ["lexicon", "import", str(binary), "--db", loaded[0]], terminal_width=300)
    assert res.exit_code == 2 and "terms.csv" in res.output and "UTF-8" in res.output, res.output
