"""What the batch-writing endpoints (``POST /v1/reports``, ``POST /v1/events``) share: one body shape (an
item, a list, or ``{"<items>": [...]}``) and its OpenAPI description, one status rule and its description,
and one way to store a batch so that a value the database refuses costs only its own item."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from typing import Any, Literal, TypeVar

from sqlalchemy.exc import DBAPIError

from bastion.core.errors import InputError, StorageError

T = TypeVar("T")
R = TypeVar("R")
Outcome = Literal["stored", "duplicate", "rejected"]


def batch_items(body: Any, key: str, expected: str) -> tuple[list[object], bool]:
    """(items, is_batch) from one item (a JSON object), a list of them, or ``{key: [...]}``; anything else is
    an error saying what was ``expected``."""
    if isinstance(body, list):
        return body, True
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key], True
    if isinstance(body, dict):
        return [body], False
    raise InputError(f"expected {expected}", field="body")


def batch_body(item: dict[str, Any], key: str, **more: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of that shape for items of schema ``item``; ``more`` adds media types."""
    many = {"type": "array", "items": item}
    shapes = [item, many, {"type": "object", "properties": {key: many}, "required": [key]}]
    content = {"application/json": {"schema": {"oneOf": shapes}}, **more}
    return {"requestBody": {"required": True, "content": content}}


def batch_status(batch: bool, outcomes: Sequence[Outcome]) -> int:
    """Single item: 201 stored, 200 already stored, 422 rejected. Batch: 200 all accepted (an empty batch
    too), 207 some rejected (the rest are stored), 422 none accepted."""
    if not batch:
        return {"stored": 201, "duplicate": 200, "rejected": 422}[outcomes[0]]
    rejected = sum(1 for o in outcomes if o == "rejected")
    return 200 if not rejected else (207 if rejected < len(outcomes) else 422)


def batch_responses(model: type[Any], noun: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a batch endpoint answering ``model`` for items called ``noun``."""
    return {
        201: {"model": model, "description": f"the single {noun} was stored"},
        207: {"model": model, "description": f"some {noun}s of the batch were rejected"},
        422: {
            "description": f"every {noun} was rejected (items say why), or the body is not {noun}s",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": f"#/components/schemas/{model.__name__}"},
                            {"$ref": "#/components/schemas/ErrorOut"},
                        ]
                    }
                }
            },
        },
    }


async def _outcome(pending: Future[list[R]] | Awaitable[list[R]]) -> list[R]:
    return await (asyncio.wrap_future(pending) if isinstance(pending, Future) else pending)


async def store_isolating(
    submit: Callable[[list[T]], Future[list[R]] | Awaitable[list[R]]],
    items: list[T],
    *,
    refused: tuple[type[BaseException], ...],
    what: str,
) -> tuple[list[R], list[int]]:
    """(results of the stored items, in order; positions in ``items`` the database refused). A refused
    batch is retried item by item; any other database error is an outage (:class:`StorageError`).
    ``submit`` answers a thread's future or, cheaper for a coroutine, an awaitable of this event loop."""
    try:
        return await _outcome(submit(items)), []
    except refused:
        if len(items) == 1:
            return [], [0]
    except DBAPIError as exc:
        raise StorageError(f"{what} not stored: {type(exc.orig).__name__}") from exc
    results: list[R] = []
    bad: list[int] = []
    for position, item in enumerate(items):
        try:
            alone: list[R] = await _outcome(submit([item]))
            results.extend(alone)
        except refused:
            bad.append(position)
    return results, bad


def positions(items: Sequence[T], bad: list[int]) -> tuple[list[T], list[T]]:
    """(kept, refused) items, by the positions :func:`store_isolating` returned."""
    skip = set(bad)
    return [x for i, x in enumerate(items) if i not in skip], [items[i] for i in bad]


__all__ = ["Outcome", "batch_responses", "batch_status", "positions", "store_isolating"]
