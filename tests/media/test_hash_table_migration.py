"""media_0002 on a database written with one column per hash type: every value moves to ``media_hashes``
under its hash type's name (PDQ with its quality), the columns go, and a downgrade puts them back; on SQLite
and, when configured, PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from bastion.store import migrate

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
VPDQ = json.dumps([[0, 100, PDQ, 0.0]])


@pytest.fixture
def fresh(empty_url: str) -> Iterator[Engine]:
    """An empty database (not migrated)."""
    engine = create_engine(empty_url)
    yield engine
    engine.dispose()


def _alembic(engine: Engine, verb: str, target: str) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, verb)(cfg, target)


def test_columns_move_to_the_long_table_and_back(fresh: Engine) -> None:
    _alembic(fresh, "upgrade", "media_0001")
    with fresh.begin() as conn:
        conn.execute(
            text("INSERT INTO platforms (name, first_seen_at) VALUES ('demo', '2026-01-01T00:00:00Z')")
        )
        for p in ("p1", "p2", "p3"):
            conn.execute(
                text(
                    "INSERT INTO posts (platform, post_id, account_id, created_at, kind) "
                    "VALUES ('demo', :p, 'a', '2026-01-01T00:00:00Z', 'post')"
                ),
                {"p": p},
            )
        conn.execute(
            text(
                "INSERT INTO media (platform, post_id, media_id, md5, sha256, pdq, pdq_quality, vpdq) VALUES "
                "('demo', 'p1', 'm1', :md5, :sha, :pdq, 90, NULL), "
                "('demo', 'p2', 'm2', NULL, NULL, NULL, NULL, :vpdq), "
                "('demo', 'p3', 'm3', NULL, NULL, NULL, NULL, NULL)"
            ),
            {"md5": "a" * 32, "sha": "b" * 64, "pdq": PDQ, "vpdq": VPDQ},
        )
    migrate.upgrade(fresh)
    with fresh.connect() as conn:
        rows = conn.execute(
            text("SELECT post_id, hash_type, value, quality FROM media_hashes ORDER BY post_id, hash_type")
        )
        assert [tuple(r) for r in rows] == [
            ("p1", "pdq", PDQ, 90),
            ("p1", "video_md5", "a" * 32, None),
            ("p1", "video_sha256", "b" * 64, None),
            ("p2", "vpdq", VPDQ, None),
        ]
        assert conn.execute(text("SELECT count(*) FROM media")).scalar_one() == 3
    assert {c["name"] for c in inspect(fresh).get_columns("media")} == {"platform", "post_id", "media_id"}
    _alembic(fresh, "downgrade", "media_0001")
    with fresh.connect() as conn:
        rows = conn.execute(
            text("SELECT post_id, md5, sha256, pdq, pdq_quality, vpdq FROM media ORDER BY post_id")
        )
        assert [tuple(r) for r in rows] == [
            ("p1", "a" * 32, "b" * 64, PDQ, 90, None),
            ("p2", None, None, None, None, VPDQ),
            ("p3", None, None, None, None, None),
        ]
    assert "media_hashes" not in inspect(fresh).get_table_names()
