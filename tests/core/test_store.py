"""The store: migrations match the declared tables, SQLite is configured, signals are idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bastion.core.errors import ConfigError, InputError
from bastion.core.model import CANARY_PLATFORM, EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.store import Store, migrate
from bastion.store.engine import normalise_url
from bastion.store.schema import metadata
from bastion.store.tables import platforms


def test_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert migrate.current_revisions(store.engine) == migrate.head_revisions()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'x.db'}") as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_default_database_is_bastion_db_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BASTION_DATABASE_URL", raising=False)
    with Store() as store:
        assert store.dialect == "sqlite"
    assert (tmp_path / "bastion.db").exists()


def test_bad_urls_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        normalise_url("not a url at all")
    with pytest.raises(ConfigError, match="unsupported"):
        normalise_url("mysql://localhost/db")
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def test_signals_upsert_by_key(store: Store) -> None:
    first = Signal(
        "p", EntityType.ACCOUNT, "a1", "term_match", "terms", 0.4, {"term": "bluefinch"}, key="bio"
    )
    store.signals.add([first])
    store.signals.add(
        [Signal("p", EntityType.ACCOUNT, "a1", "term_match", "terms", 0.9, {"term": "x"}, key="bio")]
    )
    store.signals.add([Signal("p", EntityType.ACCOUNT, "a1", "term_match", "terms", 0.2, {}, key="post:1")])
    got = store.signals.for_entity("p", EntityType.ACCOUNT, "a1")
    assert [(s.key, s.score, dict(s.evidence)) for s in got] == [
        ("bio", 0.9, {"term": "x"}),
        ("post:1", 0.2, {}),
    ]
    assert got[0].created_at is not None and got[0].created_at.tzinfo is not None
    store.signals.replace("terms", "term_match", "p", [first])
    assert [s.key for s in store.signals.of_kind("term_match")] == ["bio"]


def test_a_rescan_keeps_when_each_kept_signal_was_first_written(store: Store) -> None:
    """``replace`` swaps a scan's output, but a signal it keeps (same key) is not new: it keeps its first
    time, as an upsert does; a signal first found by this scan gets the scan's time."""
    then = datetime(2026, 1, 5, tzinfo=UTC)

    def match(key: str, at: datetime | None = None) -> Signal:
        return Signal("p", EntityType.POST, key, "term_match", "terms", 0.5, {}, key=key, created_at=at)

    store.signals.add([match("post:1", then), match("post:2", then)])
    before = utcnow()
    store.signals.replace("terms", "term_match", "p", [match("post:1"), match("post:3")])
    got = {s.key: s.created_at for s in store.signals.of_kind("term_match")}
    assert set(got) == {"post:1", "post:3"}
    assert got["post:1"] == then
    assert got["post:3"] is not None and got["post:3"] >= before - timedelta(seconds=1)


def test_signal_scores_are_bounded() -> None:
    with pytest.raises(ValueError):
        Signal("p", EntityType.ACCOUNT, "a", "k", "s", 1.5)


def test_reviews_canary_platform_is_never_the_one_a_command_picks(store: Store) -> None:
    """``bastion serve`` runs review's pipeline canary under its own platform; a database with one real
    platform still needs no ``--platform`` (an outside check's commands failed after a ``serve``)."""
    with store.engine.begin() as conn:
        for name in (CANARY_PLATFORM, "fbsim"):
            conn.execute(platforms.insert().values(name=name, first_seen_at=utcnow()))
    assert store.resolve_platform(None) == "fbsim"
    with store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name="other", first_seen_at=utcnow()))
    with pytest.raises(InputError, match=r"several platforms in the database \(fbsim, other\)"):
        store.resolve_platform(None)
