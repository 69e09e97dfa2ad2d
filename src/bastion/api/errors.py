"""Bastion's one exception tree (each class names its HTTP status) answered in one
shape (:class:`bastion.api.models.ErrorOut`): framework errors (schema mismatches, HTTP errors of the
capability routers) and values the database refuses (out of range, unstorable text) included, so bad
input is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from bastion.core.errors import BastionError, InputError

NAMES = {
    400: "BadRequest",
    401: "AuthError",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "TooLarge",
    422: "InputError",
    500: "ServerError",
    503: "Unavailable",
}


def status_of(exc: BastionError) -> int:
    """The status the error's class declares (:mod:`bastion.core.errors`): one table, in the tree itself."""
    return exc.http_status


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith("/v1/")


def error(code: int, kind: str, detail: str, field: str | None = None, **more: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": kind, "detail": detail}
    if field:
        body["field"] = field
    body.update(more)
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    return JSONResponse(body, status_code=code, headers=headers)


def for_browser(request: Request, code: int, detail: str) -> Response:
    """A person's browser gets a page (the login form for 401), not JSON: see :mod:`bastion.web.errors`."""
    from bastion.web.errors import error_page, to_login

    return to_login(request) if code == 401 else error_page(request, code, detail)


async def handle(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, BastionError)
    code = status_of(exc)
    if wants_html(request):
        return for_browser(request, code, str(exc))
    field = exc.field if isinstance(exc, InputError) else None
    return error(code, type(exc).__name__, str(exc), field)


def _place(loc: Any) -> str:
    return ".".join(str(p) for p in loc)


async def invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _place(e.get("loc", ())), "message": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"field": "body", "message": "invalid request"}
    detail = f"{first['field']}: {first['message']}"
    if wants_html(request):
        return for_browser(request, 422, detail)
    return error(422, "RequestValidationError", detail, first["field"], errors=problems)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if wants_html(request) and exc.status_code >= 400:
        return for_browser(request, exc.status_code, detail)
    response = error(exc.status_code, NAMES.get(exc.status_code, "HTTPError"), detail)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def unstorable(request: Request, exc: Exception) -> Response:
    """A value the database refuses (a number out of its range, text it cannot hold) is the caller's."""
    return error(422, "InputError", f"a value cannot be stored: {type(exc).__name__}", "request")


def install(app: FastAPI) -> None:
    app.add_exception_handler(BastionError, handle)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(HTTPException, http_error)
    for kind in (DataError, OverflowError, RecursionError, UnicodeEncodeError):
        app.add_exception_handler(kind, unstorable)
