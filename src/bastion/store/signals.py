"""Signals: the one table through which capabilities tell each other what they learned."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, Row, and_, delete, select

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.store.bulk import dialect_insert
from bastion.store.tables import signals

_KEY = ("platform", "entity_type", "entity_id", "kind", "source", "key")


class SignalRepository:
    """Upserts and reads signals; re-running a scan replaces a signal's score and evidence in place."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, items: Iterable[Signal], *, batch: int = 5_000) -> int:
        count = 0
        rows: list[dict[str, Any]] = []
        with self._engine.begin() as conn:
            for item in items:
                rows.append(_to_row(item))
                if len(rows) >= batch:
                    conn.execute(self._upsert(), rows)
                    count += len(rows)
                    rows = []
            if rows:
                conn.execute(self._upsert(), rows)
                count += len(rows)
        return count

    def replace(self, source: str, kind: str, platform: str, items: Iterable[Signal]) -> int:
        """Swap one scan's output for a fresh one, so signals that no longer hold disappear."""
        with self._engine.begin() as conn:
            conn.execute(
                delete(signals).where(
                    and_(signals.c.source == source, signals.c.kind == kind, signals.c.platform == platform)
                )
            )
        return self.add(items)

    def for_entity(self, platform: str, entity_type: EntityType | str, entity_id: str) -> list[Signal]:
        query = (
            select(signals)
            .where(
                signals.c.platform == platform,
                signals.c.entity_type == str(entity_type),
                signals.c.entity_id == entity_id,
            )
            .order_by(signals.c.id)
        )
        with self._engine.connect() as conn:
            return [_from_row(r) for r in conn.execute(query)]

    def of_kind(self, kind: str, platform: str | None = None) -> Iterator[Signal]:
        query = select(signals).where(signals.c.kind == kind).order_by(signals.c.id)
        if platform is not None:
            query = query.where(signals.c.platform == platform)
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                yield _from_row(row)

    def count(self, kind: str | None = None) -> int:
        from sqlalchemy import func

        query = select(func.count()).select_from(signals)
        if kind is not None:
            query = query.where(signals.c.kind == kind)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def _upsert(self) -> Any:
        stmt = dialect_insert(self._engine, signals)
        return stmt.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={"score": stmt.excluded.score, "evidence": stmt.excluded.evidence},
        )


def _to_row(item: Signal) -> dict[str, Any]:
    return {
        "platform": item.platform,
        "entity_type": str(item.entity_type),
        "entity_id": item.entity_id,
        "kind": item.kind,
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
        kind=m["kind"],
        source=m["source"],
        score=m["score"],
        evidence=m["evidence"],
        key=m["key"],
        created_at=m["created_at"],
    )
