"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

#: JSON that PostgreSQL can compare (JSONB), so upserts can skip unchanged rows.
Json = JSON().with_variant(JSONB(), "postgresql")


class Instant(TypeDecorator[datetime]):
    """A UTC instant: ``timestamptz`` on PostgreSQL, naive-UTC text on SQLite, always aware in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an Instant column; attach a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def instant_to_driver(dialect_name: str) -> Any:
    """The driver-level form of an aware UTC datetime, for bulk paths that skip SQLAlchemy's binding."""
    if dialect_name == "sqlite":

        def to_sqlite(value: datetime) -> str:
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")

        return to_sqlite

    def passthrough(value: datetime) -> datetime:
        return value

    return passthrough
