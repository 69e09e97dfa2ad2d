"""Report intake: validate each report on its own, store the good ones in one transaction, and say per item
what happened. The caller acknowledges only after :func:`store_reports` returns, i.e. after the commit.

The report's own ``report_id`` is the idempotency key (the same report sent twice is one row); a client
without ids sends an ``Idempotency-Key`` and each item's id is derived from it and the item's position.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Engine, event, select, tuple_

from bastion.core.errors import InputError
from bastion.core.model import ReportTarget
from bastion.core.timefmt import ahead, utcnow
from bastion.store.bulk import insert_ignore
from bastion.store.changes import append_changes, change_rows, lock_changes, report_change
from bastion.store.engine import make_engine
from bastion.store.tables import platforms, reports
from bastion.store.tables_review import review_intake

MAX_BATCH = 1_000
ID = Field(min_length=1, max_length=255)


class ReportIn(BaseModel):
    """A report as a platform sends it (the export's ``reports`` columns)."""

    model_config = ConfigDict(extra="forbid")

    report_id: str | None = Field(default=None, min_length=1, max_length=255)
    platform: str | None = Field(default=None, min_length=1, max_length=255)
    reporter_id: str = ID
    target_type: ReportTarget
    target_id: str = ID
    reason: str = Field(min_length=1, max_length=200)
    created_at: AwareDatetime | None = None
    text: str | None = Field(default=None, max_length=10_000)
    extra: dict[str, Any] | None = None

    @field_validator("created_at")
    @classmethod
    def _not_ahead(cls, value: datetime | None) -> datetime | None:
        """A report is sent after it was made: a later time would read as made after a review."""
        why = ahead(value) if value is not None else None
        if why is not None:
            raise ValueError(why)
        return value


@dataclass(frozen=True, slots=True)
class ItemResult:
    index: int
    report_id: str | None
    status: Literal["stored", "duplicate", "rejected"]
    field: str | None = None
    error: str | None = None


def _field_path(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc) or "report"


def parse_item(raw: object, index: int, platform: str | None, idem_key: str | None) -> ReportIn:
    """One item, or an :class:`InputError` naming the field; a platform token may only write for itself."""
    try:
        item = ReportIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(first["msg"], field=_field_path(first["loc"]), line=index, unit="item") from exc
    if platform is not None:
        if item.platform not in (None, platform):
            raise InputError(f"this token writes for platform {platform!r} only", field="platform")
        item.platform = platform
    if item.platform is None:
        raise InputError("platform is required", field="platform", line=index, unit="item")
    if item.report_id is None:
        if idem_key is None:
            raise InputError("report_id or an Idempotency-Key header is required", field="report_id")
        item.report_id = "k-" + hashlib.sha256(f"{idem_key}:{index}".encode()).hexdigest()[:40]
    return item


def durable_engine(url: str) -> Engine:
    """The intake engine: on SQLite every commit is fsynced (synchronous=FULL), so an acknowledged report
    survives a power cut, not only a process crash; PostgreSQL commits durably by default."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _full(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

    return engine


def store_reports(
    engine: Engine, items: Sequence[ReportIn], *, source: str = "api", now: datetime | None = None
) -> list[Literal["stored", "duplicate"]]:
    """Store valid reports in one transaction; returns, per item, whether it was new or already stored."""
    if not items:
        return []
    now = now or utcnow()
    keys = [(str(i.platform), str(i.report_id)) for i in items]
    with engine.begin() as conn:
        lock_changes(conn)  # first, before any row lock (see CHANGES_LOCK)
        existing: set[tuple[str, str]] = set()
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            query = select(reports.c.platform, reports.c.report_id).where(
                tuple_(reports.c.platform, reports.c.report_id).in_(chunk)
            )
            existing.update((r.platform, r.report_id) for r in conn.execute(query))
        fresh: list[ReportIn] = []
        seen: set[tuple[str, str]] = set()
        statuses: list[str] = []
        for key, item in zip(keys, items, strict=True):
            if key in existing or key in seen:
                statuses.append("duplicate")
                continue
            seen.add(key)
            statuses.append("stored")
            fresh.append(item)
        if fresh:
            names = sorted({str(i.platform) for i in fresh})
            conn.execute(insert_ignore(engine, platforms), [{"name": n, "first_seen_at": now} for n in names])
            conn.execute(
                insert_ignore(engine, reports),
                [
                    {
                        "platform": i.platform,
                        "report_id": i.report_id,
                        "reporter_id": i.reporter_id,
                        "target_type": str(i.target_type),
                        "target_id": i.target_id,
                        "reason": i.reason,
                        "created_at": i.created_at or now,
                        "text": i.text,
                        "extra": i.extra,
                        "received_at": now,
                    }
                    for i in fresh
                ],
            )
            conn.execute(
                insert_ignore(engine, review_intake),
                [
                    {"platform": i.platform, "report_id": i.report_id, "received_at": now, "source": source}
                    for i in fresh
                ],
            )
            for platform in names:  # in the change log too, as an event-API report is: catch-up reads it
                append_changes(conn, change_rows(platform, _changes(fresh, platform), now))
    return statuses  # type: ignore[return-value]


def _changes(fresh: Sequence[ReportIn], platform: str) -> list[tuple[str, dict[str, str], list[str]]]:
    """The change-log form of the platform's reports (the same one the event API writes)."""
    return [
        ("reports", *report_change(str(i.report_id), i.reporter_id, str(i.target_type), i.target_id))
        for i in fresh
        if i.platform == platform
    ]


def validate(
    raw_items: Sequence[object], *, platform: str | None, idem_key: str | None
) -> tuple[list[tuple[int, ReportIn]], dict[int, ItemResult]]:
    """Parse every item on its own: (valid items with their positions, rejections by position)."""
    if len(raw_items) > MAX_BATCH:
        raise InputError(f"at most {MAX_BATCH} reports per request", field="reports")
    valid: list[tuple[int, ReportIn]] = []
    rejected: dict[int, ItemResult] = {}
    for index, raw in enumerate(raw_items):
        try:
            valid.append((index, parse_item(raw, index, platform, idem_key)))
        except InputError as exc:
            rid = raw.get("report_id") if isinstance(raw, dict) else None
            rejected[index] = ItemResult(
                index, rid if isinstance(rid, str) else None, "rejected", exc.field, exc.message
            )
    return valid, rejected


def merge(
    total: int, valid: list[tuple[int, ReportIn]], statuses: Sequence[str], rejected: dict[int, ItemResult]
) -> list[ItemResult]:
    results = dict(rejected)
    for (index, item), status in zip(valid, statuses, strict=True):
        results[index] = ItemResult(index, item.report_id, status)  # type: ignore[arg-type]
    return [results[i] for i in range(total)]


def intake(
    engine: Engine, raw_items: Sequence[object], *, platform: str | None, idem_key: str | None
) -> list[ItemResult]:
    """Validate every item, store the valid ones together, report per item."""
    valid, rejected = validate(raw_items, platform=platform, idem_key=idem_key)
    statuses = store_reports(engine, [item for _, item in valid])
    return merge(len(raw_items), valid, statuses, rejected)
