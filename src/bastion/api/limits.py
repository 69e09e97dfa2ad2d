"""Limits on what a request may carry, checked before any endpoint runs: a body size (413), a JSON nesting
depth (422) and no NUL character in a URL or a JSON body (422; PostgreSQL cannot store one, and a NUL
passed on to a query fails it). Intake is the exception for NUL: it rejects such a report on its own and
stores the rest of the batch (:mod:`bastion.api.sanitise`)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import numpy as np

from bastion.core.settings import ApiLimits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
__all__ = ["ApiLimits", "RequestLimits", "has_nul", "json_depth"]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


#: Routes that judge NUL characters item by item instead of refusing the request.
PER_ITEM_PATHS = frozenset({"/v1/reports", "/v1/events"})
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays and objects in a JSON text (strings skipped), in C speed for 1 MiB."""
    bare = _STRING.sub(b'""', body)
    if not bare:
        return 0
    steps = _OPEN[np.frombuffer(bare, dtype=np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def has_nul(body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if b"\\u0000" not in body:  # the common case: one C-speed scan
        return False
    return any(_ESCAPED_NUL.search(m.group()) for m in _STRING.finditer(body))


class RequestLimits:
    """Pure ASGI middleware (no body copy beyond the limit; streams are cut off at the limit)."""

    def __init__(self, app: ASGIApp, limits: ApiLimits | None = None) -> None:
        self.app = app
        self.limits = limits or ApiLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "%00" in scope.get("query_string", b"").decode("latin-1") or "\x00" in scope.get("path", ""):
            await _error(send, 422, "a NUL character is not allowed in a URL", "url")
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        limit = self.limits.max_body_bytes
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error(send, 413, f"request body over {limit} bytes", "body")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _error(send, 413, f"request body over {limit} bytes", "body")
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        kind = headers.get(b"content-type", b"application/json")
        if b"x-www-form-urlencoded" in kind and b"%00" in body:
            await _error(send, 422, "a NUL character is not allowed in a form", "body")
            return
        if body and b"json" in kind:
            # Depth is at most the number of openers: a small body is cleared by two C-speed counts.
            bound = body.count(b"[") + body.count(b"{")
            depth = json_depth(body) if bound > self.limits.max_json_depth else 0
            if depth > self.limits.max_json_depth:
                await _error(
                    send, 422, f"JSON nested {depth} deep (at most {self.limits.max_json_depth})", "body"
                )
                return
            if scope.get("path") not in PER_ITEM_PATHS and has_nul(body):
                await _error(send, 422, "a NUL character is not allowed in a JSON body", "body")
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _error(send: Send, status: int, detail: str, field: str) -> None:
    payload = json.dumps({"error": "RequestRefused", "detail": detail, "field": field}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
