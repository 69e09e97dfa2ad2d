"""Bastion's one exception tree mapped to HTTP status codes, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from bastion.core.errors import BastionError, ConfigError, InputError, NotFound, StorageError
from bastion.review.auth import AuthError, Forbidden
from bastion.review.cases import Conflict

STATUS: list[tuple[type[BastionError], int]] = [
    (AuthError, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InputError, 422),
    (StorageError, 503),
    (ConfigError, 500),
    (BastionError, 400),
]


def status_of(exc: BastionError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/v1/")


async def handle(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BastionError)
    code = status_of(exc)
    if code == 401 and wants_html(request):
        return RedirectResponse("/login", status_code=303)
    body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
    if isinstance(exc, InputError) and exc.field:
        body["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return JSONResponse(body, status_code=code, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(BastionError, handle)
