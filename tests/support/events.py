"""Live events for tests: store them as the event API does (validated, group-committed, change-logged)."""

from __future__ import annotations

from typing import Any

from bastion.ingest import Ingestor
from bastion.store import Store


def send(store: Store, platform: str, events: list[dict[str, Any]]) -> None:
    """Store ``events`` as ``POST /v1/events`` would; fails the test on any rejection."""
    log = Ingestor(store).events
    try:
        prepared, rejected = log.validate(events, platform)
        assert not rejected, [r.as_json() for r in rejected]
        log.store(platform, prepared)
    finally:
        log.close()


def event(event_id: str, table: str, **row: Any) -> dict[str, Any]:
    return {"event_id": event_id, "table": table, "row": row}
