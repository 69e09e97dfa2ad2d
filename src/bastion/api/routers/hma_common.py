"""What the HMA routes share: HMA's error answers (``{"message"}``, with HMA's status codes), the service,
parameter parsing, uploads and the guarded URL fetch."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from bastion.core.errors import BastionError, Conflict, InputError, NotFound
from bastion.exchange import CONTENT_TYPES, ExchangeService, content_type_of, hash_media


class HmaError(BaseModel):
    """HMA's error answer (its blueprints' ``api_error_handler``)."""

    message: str


_EITHER = {"anyOf": [{"$ref": "#/components/schemas/HmaError"}, {"$ref": "#/components/schemas/ErrorOut"}]}
#: HMA's own refusals are ``{"message"}``; the gate's (401, a role's 403) and a malformed path are Bastion's.
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": HmaError, "description": "HMA: a bad parameter or body"},
    403: {
        "description": "HMA: already exists; or not allowed",
        "content": {"application/json": {"schema": _EITHER}},
    },
    404: {
        "description": "HMA: no such bank, content or exchange",
        "content": {"application/json": {"schema": _EITHER}},
    },
    409: {
        "description": "the store refused the change",
        "content": {"application/json": {"schema": _EITHER}},
    },
    503: {"description": "the store is unavailable", "content": {"application/json": {"schema": _EITHER}}},
}
MAX_MEDIA = 50 * 1024 * 1024
T = TypeVar("T")


def service(request: Request) -> ExchangeService:
    svc: ExchangeService = request.app.state.bastion.service("exchange")
    return svc


Svc = Annotated[ExchangeService, Depends(service)]


def failure(exc: BastionError) -> JSONResponse:
    """Bastion's errors as HMA's ``{"message"}`` answers (400 input, 403 conflict, 404 not found)."""
    if isinstance(exc, Conflict):
        return JSONResponse({"message": exc.message}, status_code=403)
    if isinstance(exc, InputError):
        return JSONResponse({"message": exc.message}, status_code=400)
    if isinstance(exc, NotFound):
        return JSONResponse({"message": str(exc)}, status_code=404)
    return JSONResponse({"message": str(exc)}, status_code=exc.http_status)


def answer(fn: Callable[[], T], status: int = 200) -> Any:
    """Run ``fn`` and answer its result as JSON, or its error as HMA does."""
    try:
        out = fn()
    except BastionError as exc:
        return failure(exc)
    if isinstance(out, Response):
        return out
    return JSONResponse(out, status_code=status)


def flag(value: str | None, name: str, default: bool = False) -> bool:
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InputError("invalid boolean parameter - prefer true/false", field=name)


def bank_set(value: str | None) -> set[str] | None:
    return set(value.split(",")) if value else None


async def json_body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError:
        data = None
    return data if isinstance(data, dict) else {}


async def uploaded(request: Request, types: str | None) -> dict[str, str]:
    """HMA's upload: one multipart file whose field name is its content type (``photo``, ``video``)."""
    form = await request.form()
    files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
    if not files:
        raise InputError("Missing multipart/form-data file upload")
    if len(files) > 1:
        raise InputError("Only one file allowed per request")
    content_type, upload = files[0]
    if content_type not in CONTENT_TYPES:
        raise InputError(f"no such content_type: '{content_type}'", field=content_type)
    data = await upload.read(MAX_MEDIA + 1)
    if len(data) > MAX_MEDIA:
        raise InputError("file too large")
    suffix = Path(upload.filename or "").suffix or (".png" if content_type == "photo" else ".mp4")
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        return hash_media(Path(tmp.name), content_type, types)


def fetched(svc: ExchangeService, url: str, content_type: str | None, types: str | None) -> dict[str, str]:
    """HMA's ``url`` parameter: only from the configured prefixes (a server-side fetch is an SSRF risk)."""
    if not any(url.startswith(p) for p in svc.settings.hma_fetch_prefixes):
        raise InputError(
            "fetching this url is not allowed (BASTION_EXCHANGE_HMA_FETCH_PREFIXES)", field="url"
        )
    try:
        got = httpx.get(url, follow_redirects=False, timeout=30.0)
        got.raise_for_status()
    except httpx.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: {exc}", field="url") from exc
    kind = content_type or content_type_of(got.headers.get("content-type", ""))
    with tempfile.NamedTemporaryFile(suffix=".png" if kind == "photo" else ".mp4") as tmp:
        tmp.write(got.content[: MAX_MEDIA + 1])
        tmp.flush()
        return hash_media(Path(tmp.name), kind, types)


def actor(who: Any) -> str:
    return str(getattr(who, "name", None) or "hma")
