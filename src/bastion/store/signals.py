"""Signals: the one table through which capabilities tell each other what they learned.

This repository is the only code that reads or writes the ``signals`` table. Kinds go in and come out as
:class:`~bastion.core.signals.SignalKind` objects (a stored name no installed capability declares reads as
the default kind). Every method takes an optional ``conn`` so a capability can write its signals in the
same transaction as its own tables (review's case signals change with the case).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, select

from bastion.core.errors import InputError
from bastion.core.model import EntityType, Signal
from bastion.core.signals import SignalKind, lookup
from bastion.core.timefmt import utcnow
from bastion.store.bulk import dialect_insert, keyed_in
from bastion.store.tables import signals

_KEY = ("platform", "entity_type", "entity_id", "kind", "source", "key")
#: Entities per ``IN (...)`` query (keeps the bound-parameter count well under every database's limit).
_CHUNK = 400


class SignalRepository:
    """Upserts and reads signals; re-running a scan replaces a signal's score and evidence in place."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, items: Iterable[Signal], *, batch: int = 5_000, conn: Connection | None = None) -> int:
        count = 0
        rows: list[dict[str, Any]] = []
        with self._begin(conn) as c:
            for item in items:
                rows.append(_to_row(item))
                if len(rows) >= batch:
                    c.execute(self._upsert(c), rows)
                    count += len(rows)
                    rows = []
            if rows:
                c.execute(self._upsert(c), rows)
                count += len(rows)
        return count

    def replace(
        self,
        source: str,
        kind: SignalKind,
        platform: str | None,
        items: Iterable[Signal],
        *,
        key: str | None = None,
        key_prefix: str | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Swap one scan's output for a fresh one, so signals that no longer hold disappear.

        ``platform=None`` replaces the kind on every platform; ``key``/``key_prefix`` narrow the swap to
        one producer's share (one case's verdicts, the replayed part of a log). A signal the swap keeps
        (same platform, entity, kind, source and key) keeps the time it was first written, as an upsert
        does: a rescan finds nothing new about an account (detection reads "first written since" as new
        evidence, e.g. since a reviewer cleared the account)."""
        with self._begin(conn) as c:
            cond = _conditions(source, kind, platform, key, key_prefix)
            first = {
                tuple(r[:-1]): r[-1]
                for r in c.execute(select(*_key_columns(), signals.c.created_at).where(*cond))
            }
            c.execute(delete(signals).where(*cond))
            return self.add((_first_written(item, first) for item in items), conn=c)

    def delete(
        self,
        source: str,
        kind: SignalKind,
        platform: str | None = None,
        *,
        key: str | None = None,
        key_prefix: str | None = None,
        conn: Connection | None = None,
    ) -> int:
        cond = _conditions(source, kind, platform, key, key_prefix)
        with self._begin(conn) as c:
            return int(c.execute(delete(signals).where(*cond)).rowcount or 0)

    def delete_entities(
        self,
        source: str,
        kind: SignalKind,
        platform: str,
        entity_type: EntityType | str,
        ids: Iterable[str],
        *,
        key_prefix: str | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Drop one producer's signals on these entities only (an incremental scan re-reads just them)."""
        chosen = sorted(set(ids))
        removed = 0
        with self._begin(conn) as c:
            for lo in range(0, len(chosen), 500):
                cond = [
                    signals.c.source == source,
                    signals.c.kind == str(kind),
                    signals.c.platform == platform,
                    signals.c.entity_type == str(entity_type),
                    signals.c.entity_id.in_(chosen[lo : lo + 500]),
                ]
                if key_prefix is not None:
                    cond.append(signals.c.key.like(_like_prefix(key_prefix), escape="\\"))
                removed += int(c.execute(delete(signals).where(*cond)).rowcount or 0)
        return removed

    def for_entity(
        self,
        platform: str,
        entity_type: EntityType | str,
        entity_id: str,
        *,
        kind: SignalKind | None = None,
        conn: Connection | None = None,
    ) -> list[Signal]:
        query = (
            select(signals)
            .where(
                signals.c.platform == platform,
                signals.c.entity_type == str(entity_type),
                signals.c.entity_id == entity_id,
            )
            .order_by(signals.c.id)
        )
        if kind is not None:
            query = query.where(signals.c.kind == str(kind))
        with self._connect(conn) as c:
            return [_from_row(r) for r in c.execute(query)]

    def count_by_evidence(
        self, kind: SignalKind, field: str, *, entity_type: EntityType | str | None = None
    ) -> dict[tuple[str, int], int]:
        """How many signals of ``kind`` carry each integer value of evidence ``field``, per platform (a hash
        list entry's matches, for flood protection), counted in the database."""
        if self._engine.dialect.name == "postgresql":
            value = signals.c.evidence[field].as_integer()
        else:
            value = func.json_extract(signals.c.evidence, f"$.{field}")
        query = (
            select(signals.c.platform, value.label("v"), func.count().label("n"))
            .where(signals.c.kind == str(kind))
            .group_by(signals.c.platform, value)
        )
        if entity_type is not None:
            query = query.where(signals.c.entity_type == str(entity_type))
        with self._engine.connect() as c:
            return {(r.platform, int(r.v)): int(r.n) for r in c.execute(query) if r.v is not None}

    def of_kind(
        self, kind: SignalKind, platform: str | None = None, *, conn: Connection | None = None
    ) -> Iterator[Signal]:
        """Every signal of one kind, oldest first."""
        yield from self.of_kinds((kind,), platform, conn=conn)

    def of_kinds(
        self,
        kinds: Iterable[SignalKind] | None,
        platform: str | None = None,
        *,
        entity_type: EntityType | None = None,
        conn: Connection | None = None,
    ) -> Iterator[Signal]:
        """Signals of these kinds (``None``: of every kind), oldest first."""
        query = select(signals).order_by(signals.c.id)
        if kinds is not None:
            query = query.where(signals.c.kind.in_(sorted({str(k) for k in kinds})))
        if platform is not None:
            query = query.where(signals.c.platform == platform)
        if entity_type is not None:
            query = query.where(signals.c.entity_type == str(entity_type))
        with self._connect(conn) as c:
            for row in c.execute(query):
                yield _from_row(row)

    def on_accounts(
        self,
        keys: Sequence[tuple[str, str]],
        kinds: Iterable[SignalKind] | None = None,
        *,
        conn: Connection | None = None,
        excluding: Iterable[SignalKind] = (),
    ) -> Iterator[Signal]:
        """Signals on these (platform, account id) pairs, of these kinds (``None``: every kind but those
        ``excluding``), oldest first within each chunk of pairs."""
        wanted = None if kinds is None else sorted({str(k) for k in kinds})
        unwanted = sorted({str(k) for k in excluding})
        with self._connect(conn) as c:
            for which in keyed_in((signals.c.platform, signals.c.entity_id), keys, _CHUNK):
                query = select(signals).where(signals.c.entity_type == str(EntityType.ACCOUNT), which)
                if unwanted:
                    query = query.where(signals.c.kind.not_in(unwanted))
                if wanted is not None:
                    query = query.where(signals.c.kind.in_(wanted))
                for row in c.execute(query.order_by(signals.c.id)):
                    yield _from_row(row)

    def strongest(
        self,
        platform: str,
        account_ids: Sequence[str],
        *,
        excluding: Iterable[SignalKind] = (),
        limit: int = 200,
        conn: Connection | None = None,
    ) -> list[Signal]:
        """The strongest signals on these accounts (highest score first), leaving out some kinds."""
        query = (
            select(signals)
            .where(
                signals.c.platform == platform,
                signals.c.entity_type == str(EntityType.ACCOUNT),
                signals.c.entity_id.in_(list(account_ids)),
                signals.c.kind.not_in(sorted({str(k) for k in excluding})),
            )
            .order_by(signals.c.score.desc())
            .limit(limit)
        )
        with self._connect(conn) as c:
            return [_from_row(r) for r in c.execute(query)]

    def kinds(self, platform: str | None = None, *, conn: Connection | None = None) -> list[SignalKind]:
        """The kinds stored (on one platform), by name: declared ones with their hints, others as defaults."""
        query = select(signals.c.kind).distinct().order_by(signals.c.kind)
        if platform is not None:
            query = query.where(signals.c.platform == platform)
        with self._connect(conn) as c:
            return [lookup(k) for (k,) in c.execute(query)]

    def first_seen(
        self,
        platform: str,
        account_ids: Sequence[str],
        *,
        excluding: Iterable[SignalKind] = (),
        conn: Connection | None = None,
    ) -> dict[str, datetime]:
        """When the first signal (of a kind not excluded) was written on each of these accounts."""
        skip = sorted({str(k) for k in excluding})
        out: dict[str, datetime] = {}
        with self._connect(conn) as c:
            for start in range(0, len(account_ids), _CHUNK):
                query = (
                    select(signals.c.entity_id, func.min(signals.c.created_at))
                    .where(
                        signals.c.platform == platform,
                        signals.c.entity_type == str(EntityType.ACCOUNT),
                        signals.c.entity_id.in_(list(account_ids[start : start + _CHUNK])),
                        signals.c.kind.not_in(skip),
                    )
                    .group_by(signals.c.entity_id)
                )
                out.update({a: at for a, at in c.execute(query)})
        return out

    def version(self, kinds: Iterable[SignalKind], platform: str) -> tuple[tuple[str, int, int], ...]:
        """(kind, count, newest id) per kind present: changes whenever a signal of these kinds is written
        or removed (an index-backed aggregate, cheap enough to poll)."""
        query = (
            select(signals.c.kind, func.count(), func.max(signals.c.id))
            .where(signals.c.kind.in_(sorted({str(k) for k in kinds})), signals.c.platform == platform)
            .group_by(signals.c.kind)
            .order_by(signals.c.kind)
        )
        with self._engine.connect() as conn:
            return tuple((str(k), int(n), int(m)) for k, n, m in conn.execute(query))

    def count(self, kind: SignalKind | None = None) -> int:
        query = select(func.count()).select_from(signals)
        if kind is not None:
            query = query.where(signals.c.kind == str(kind))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _upsert(self, bind: Connection) -> Any:
        stmt = dialect_insert(bind, signals)
        return stmt.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={"score": stmt.excluded.score, "evidence": stmt.excluded.evidence},
        )

    @contextmanager
    def _begin(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self._engine.begin() as c:
            yield c

    @contextmanager
    def _connect(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self._engine.connect() as c:
            yield c


def as_dict(item: Signal) -> dict[str, Any]:
    """A signal as plain data (the kind by name), for JSON answers and templates."""
    return {**_to_row(item), "created_at": item.created_at}


def _conditions(
    source: str, kind: SignalKind, platform: str | None, key: str | None, key_prefix: str | None
) -> list[Any]:
    """The rows of one producer's share of a kind (see :meth:`SignalRepository.replace`)."""
    cond = [signals.c.source == source, signals.c.kind == str(kind)]
    if platform is not None:
        cond.append(signals.c.platform == platform)
    if key is not None:
        cond.append(signals.c.key == key)
    if key_prefix is not None:
        cond.append(signals.c.key.like(_like_prefix(key_prefix), escape="\\"))
    return cond


def _key_columns() -> list[Any]:
    return [signals.c[k] for k in _KEY]


def _first_written(item: Signal, first: dict[tuple[Any, ...], datetime]) -> Signal:
    """``item`` with the time its row was first written, where a row of its key was there before."""
    if item.created_at is not None:
        return item
    at = first.get(
        (item.platform, str(item.entity_type), item.entity_id, str(item.kind), item.source, item.key)
    )
    return item if at is None else dataclasses.replace(item, created_at=at)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _to_row(item: Signal) -> dict[str, Any]:
    if not item.kind.attaches(item.entity_type):
        raise InputError(
            f"{item.kind} signals attach to {', '.join(sorted(item.kind.attaches_to))}, "
            f"not to a {item.entity_type}",
            field="entity_type",
        )
    return {
        "platform": item.platform,
        "entity_type": str(item.entity_type),
        "entity_id": item.entity_id,
        "kind": str(item.kind),
        "source": item.source,
        "key": item.key,
        "score": float(item.score),
        "evidence": dict(item.evidence),
        "created_at": item.created_at or utcnow(),
    }


def _from_row(row: Row[Any]) -> Signal:
    m = row._mapping
    return Signal(
        platform=m["platform"],
        entity_type=EntityType(m["entity_type"]),
        entity_id=m["entity_id"],
        kind=lookup(m["kind"]),  # the declared kind, or the default one
        source=m["source"],
        score=m["score"],
        evidence=m["evidence"] or {},
        key=m["key"],
        created_at=m["created_at"],
    )
