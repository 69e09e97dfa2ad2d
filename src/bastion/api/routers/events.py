"""``POST /v1/events``: the export contract's rows as live events, acknowledged once committed.

The body is one event, a JSON list of events, ``{"events": [...]}``, or NDJSON (one event a line, with
``Content-Type: application/x-ndjson``). An event is ``{"event_id", "table", "row"}``; each item is judged on
its own, so a bad one is rejected by index and field while the rest of the batch is stored. A platform token
writes its own platform only; an admin names one with ``?platform=``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError

from bastion.api.access import Caller, own_platform
from bastion.api.batches import (
    Outcome,
    batch_body,
    batch_items,
    batch_responses,
    batch_status,
    positions,
    store_isolating,
)
from bastion.core.errors import InputError
from bastion.ingest import Ack, EventLog, Prepared

router = APIRouter(tags=["events"])
NDJSON = ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-lines")


class EventIn(BaseModel):
    """One row of an export table (docs/export-format.md) as an event."""

    event_id: str = Field(min_length=1, max_length=255, description="unique per platform; replays are no-ops")
    table: Literal[
        "accounts",
        "follows",
        "posts",
        "interactions",
        "messages",
        "searches",
        "recommendations",
        "reports",
        "seeds",
    ]
    row: dict[str, Any] = Field(description="the table's fields, as in an export's JSON lines")


class EventAck(BaseModel):
    index: int
    event_id: str | None
    status: Literal["stored", "rejected"]
    stored_at: str | None = Field(default=None, description="when it was first stored (a replay: the same)")
    replay: bool | None = Field(default=None, description="true when this event id was stored before")
    field: str | None = Field(default=None, description="the rejected item's field, e.g. row.created_at")
    message: str | None = None


class EventsResponse(BaseModel):
    stored: int
    replayed: int
    rejected: int
    items: list[EventAck]


BODY_DOC = batch_body(
    EventIn.model_json_schema(),
    "events",
    **{"application/x-ndjson": {"schema": {"type": "string", "description": "one event a line"}}},
)


def event_log(request: Request) -> EventLog:
    """The service's event path (the ingest capability's, through the façade)."""
    log: EventLog = request.app.state.bastion.ingest.events
    return log


def parse_body(body: bytes, content_type: str) -> tuple[list[object], bool]:
    """(items, is_batch). NDJSON lines that are not JSON stay in as items the validator rejects."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("body is not UTF-8", field="body") from exc
    if kind in NDJSON:
        items: list[object] = []
        for line in text.splitlines():
            if line.strip():
                try:
                    items.append(json.loads(line))
                except (ValueError, RecursionError):
                    items.append(None)
        return items, True
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"body is not JSON: {exc}", field="body") from exc
    return batch_items(parsed, "events", 'an event object, a list of events, {"events": [...]} or NDJSON')


async def store(log: EventLog, platform: str, valid: list[Prepared]) -> tuple[list[Ack], list[Ack]]:
    """(stored acks, events the database refused): one unstorable value (an integer beyond 64 bits) costs
    only its own event."""
    acks, bad = await store_isolating(
        lambda events: log.submit_async(platform, events),
        valid,
        refused=(DataError, IntegrityError, ValueError, OverflowError, UnicodeError),
        what="events",
    )
    refused = [
        Ack(event.index, event.event_id, "rejected", field="row", message="cannot be stored")
        for event in positions(valid, bad)[1]
    ]
    return acks, refused


@router.post(
    "/v1/events",
    response_model=EventsResponse,
    openapi_extra=BODY_DOC,
    responses=batch_responses(EventsResponse, "event"),
)
async def post_events(
    request: Request,
    principal: Caller,
    platform: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
) -> JSONResponse:
    """Store events (a platform token, or an admin naming ``?platform=``: the policy table's rule, checked
    by the gate); per item: stored (``replay`` when its id was stored before) or rejected (field named).

    Single event: 201 stored, 200 replay, 422 rejected. Batch: 200 all stored, 207 some rejected (the rest
    are stored), 422 none stored. An answer is sent only after the commit."""
    owner = own_platform(principal, platform)
    if owner is None:
        raise InputError("name the platform these events belong to (?platform=)", field="platform")
    items, batch = parse_body(await request.body(), request.headers.get("content-type", "application/json"))
    log = event_log(request)
    valid, rejected = log.validate(items, owner)
    stored, refused = await store(log, owner, valid)
    acks = sorted([*stored, *rejected, *refused], key=lambda a: a.index)
    replayed = sum(1 for a in acks if a.status == "stored" and a.replay)
    answer = {
        "stored": len(stored) - replayed,
        "replayed": replayed,
        "rejected": len(rejected) + len(refused),
        "items": [a.as_json() for a in acks],
    }
    outcomes: list[Outcome] = [
        "rejected" if a.status == "rejected" else ("duplicate" if a.replay else "stored") for a in acks
    ]
    code = batch_status(batch, outcomes)
    return JSONResponse(answer, status_code=code)
