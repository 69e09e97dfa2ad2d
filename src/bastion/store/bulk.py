"""Bulk upserts at driver speed: one prepared ``INSERT … ON CONFLICT`` per table, executed many times.

SQLAlchemy's per-row type processing costs more than SQLite's own insert, so the ingest path hands the
driver values already in its form (see ``instant_to_driver``) and lets the database skip unchanged rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, MetaData, Table, and_, inspect
from sqlalchemy.dialects import postgresql, sqlite


def upsert_sql(
    table: Table,
    columns: Sequence[str],
    key: Sequence[str],
    dialect: str,
    *,
    stamp: tuple[str, str] | None = None,
) -> str:
    """Insert or update-if-different; re-loading identical rows writes nothing.

    ``stamp=(stamp_column, watched_column)``: the stamp column is the last value of each row; it is written
    on insert and when the watched column changes, and kept otherwise (e.g. when a status was first seen).
    """
    mark = "?" if dialect == "sqlite" else "%s"
    differs = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    all_columns = [*columns, stamp[0]] if stamp else list(columns)
    cols = ", ".join(_q(c) for c in all_columns)
    marks = ", ".join(mark for _ in all_columns)
    updates = [c for c in columns if c not in key]
    keys = ", ".join(_q(k) for k in key)
    sql = f"INSERT INTO {_q(table.name)} ({cols}) VALUES ({marks}) ON CONFLICT ({keys})"
    if not updates:
        return sql + " DO NOTHING"
    sets = [f"{_q(c)} = excluded.{_q(c)}" for c in updates]
    if stamp:
        s, w, t = _q(stamp[0]), _q(stamp[1]), _q(table.name)
        sets.append(f"{s} = CASE WHEN {t}.{w} {differs} excluded.{w} THEN excluded.{s} ELSE {t}.{s} END")
    where = " OR ".join(f"{_q(table.name)}.{_q(c)} {differs} excluded.{_q(c)}" for c in updates)
    return f"{sql} DO UPDATE SET {', '.join(sets)} WHERE {where}"


def dialect_insert(bind: Connection | Engine, table: Table) -> Any:
    """An INSERT that knows ``ON CONFLICT`` on both supported databases."""
    return (postgresql if bind.dialect.name == "postgresql" else sqlite).insert(table)


def insert_ignore(bind: Connection | Engine, table: Table) -> Any:
    """Insert unless the key is already there (the first writer wins, a repeat is a no-op)."""
    return dialect_insert(bind, table).on_conflict_do_nothing()


def upsert_one(conn: Connection, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """Insert one row or update it by its primary key, in one statement (no read-then-write race)."""
    stmt = dialect_insert(conn, table).values(**key, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=dict(values)))


def execute_many(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(sql, list(rows))


def _q(name: str) -> str:
    return f'"{name}"'


@contextmanager
def deferred_indexes(engine: Engine, table: Table, defer: bool) -> Iterator[None]:
    """Drop a table's secondary indexes for a large load and build them once at the end.

    Maintaining a random-order index row by row costs several times the insert itself; one sorted build
    afterwards is cheap. If the process dies in between, :func:`ensure_indexes` restores them on next open.
    """
    if not defer or engine.dialect.name != "sqlite":
        yield
        return
    with engine.begin() as conn:
        for index in table.indexes:
            index.drop(conn, checkfirst=True)
    try:
        yield
    finally:
        with engine.begin() as conn:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def ensure_indexes(engine: Engine, metadata: MetaData) -> None:
    """Recreate any secondary index a crashed bulk load left dropped."""
    with engine.begin() as conn:
        existing = {i["name"] for t in metadata.tables.values() for i in inspect(conn).get_indexes(t.name)}
        for table in metadata.tables.values():
            for index in table.indexes:
                if index.name not in existing:
                    index.create(conn)


def keyed_in(
    columns: Sequence[Any], keys: Sequence[Sequence[Any]], chunk: int = 400
) -> Iterator[ColumnElement[bool]]:
    """Conditions selecting rows by composite ``keys`` on ``columns``, a few hundred keys each: the leading
    columns equal (one prefix per condition) and the last one ``IN`` a list. A row-value ``IN`` of hundreds
    of pairs took PostgreSQL tens of milliseconds to plan, where this is an index range per prefix."""
    by_prefix: dict[tuple[Any, ...], list[Any]] = {}
    for k in keys:
        by_prefix.setdefault(tuple(k[:-1]), []).append(k[-1])
    *lead, last = columns
    for prefix in sorted(by_prefix):
        values = sorted(set(by_prefix[prefix]))
        same = [c == v for c, v in zip(lead, prefix, strict=True)]
        for start in range(0, len(values), chunk):
            yield and_(*same, last.in_(values[start : start + chunk]))
