"""Meta's Hasher-Matcher-Actioner 2.0 (OpenMediaMatch) API, on Bastion's hash lists and behind its tokens.

Same paths, parameters and JSON shapes as OpenMediaMatch's blueprints: ``/status``, hashing (``/h``),
matching (``/m``) and curation (``/c``), errors as ``{"message": ...}`` with HMA's status codes. Mounted at
the root, as HMA serves them, so a client configured with an HMA address needs only Bastion's address and a
token (``Authorization: Bearer``; HMA leaves authentication to the deployment). Platform tokens may hash and
match; curation is for staff (reads for every person, changes for leads and admins, exchange setup for
admins). Exchange credentials come from settings, never from a request. Bastion's own additions (feedback,
floods, a sync now) are in :mod:`bastion.api.routers.exchange`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from bastion.api.access import Caller, MaybeCaller, authorise
from bastion.api.routers import exchange as bastion_routes
from bastion.core.errors import BastionError, Conflict, InputError, NotFound
from bastion.core.roles import Role
from bastion.exchange import CONTENT_TYPES, ExchangeService, content_type_of, hash_media
from bastion.exchange.banks import check_ratio


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
hma = APIRouter(tags=["hma"], dependencies=[Depends(authorise)], responses=RESPONSES)
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


# -- core ------------------------------------------------------------------------------------------------
@hma.get("/status", response_class=PlainTextResponse)
def status(svc: Svc, _who: MaybeCaller) -> PlainTextResponse:
    """Liveness for load balancers: ``I-AM-ALIVE`` once the matcher is loaded."""
    svc.banks.repo.matcher  # noqa: B018  (loads the index on first call)
    return PlainTextResponse("I-AM-ALIVE")


# -- hashing ---------------------------------------------------------------------------------------------
@hma.get("/h/hash")
def hash_url(
    svc: Svc, _who: Caller, url: str | None = None, content_type: str | None = None, types: str | None = None
) -> Any:
    def run() -> dict[str, str]:
        if url is None:
            raise InputError("url is required", field="url")
        return fetched(svc, url, content_type, types)

    return answer(run)


@hma.post("/h/hash")
async def hash_upload(request: Request, _who: Caller, types: str | None = None) -> Any:
    try:
        hashes = await uploaded(request, types)
    except BastionError as exc:
        return failure(exc)
    return JSONResponse(hashes)


# -- matching --------------------------------------------------------------------------------------------
@hma.get("/m/raw_lookup")
def raw_lookup(
    svc: Svc,
    who: Caller,
    signal: Annotated[str | None, Query()] = None,
    signal_type: Annotated[str | None, Query()] = None,
    banks: str | None = None,
    include_distance: str | None = None,
) -> Any:
    def run() -> dict[str, Any]:
        if signal is None or signal_type is None:
            raise InputError(f"{'signal' if signal is None else 'signal_type'} is required")
        distance = flag(include_distance, "include_distance")
        return svc.for_platform(who.platform).matching.raw_lookup(
            signal_type, signal, bank_set(banks), distance
        )

    return answer(run)


@hma.get("/m/lookup")
def lookup(
    svc: Svc,
    who: Caller,
    url: str | None = None,
    content_type: str | None = None,
    types: str | None = None,
    signal: str | None = None,
    signal_type: str | None = None,
    banks: str | None = None,
    seed: str | None = None,
    bypass_coinflip: str | None = None,
) -> Any:
    def run() -> dict[str, Any]:
        m = svc.for_platform(who.platform).matching
        bypass = flag(bypass_coinflip, "bypass_coinflip")
        if url:
            found = m.lookup_hashes(
                fetched(svc, url, content_type, types),
                banks=bank_set(banks),
                seed=seed,
                bypass_coinflip=bypass,
            )
            return dict(found.get(signal_type, {})) if signal_type else dict(found)
        if not signal or not signal_type:
            raise InputError("Either url or both signal and signal_type are required")
        return dict(m.lookup(signal_type, signal, banks=bank_set(banks), seed=seed, bypass_coinflip=bypass))

    return answer(run)


@hma.post("/m/lookup")
async def lookup_upload(
    request: Request,
    svc: Svc,
    who: Caller,
    banks: str | None = None,
    seed: str | None = None,
    bypass_coinflip: str | None = None,
    types: str | None = None,
) -> Any:
    try:
        hashes = await uploaded(request, types)
    except BastionError as exc:
        return failure(exc)
    m = svc.for_platform(who.platform).matching
    return answer(
        lambda: m.lookup_hashes(
            hashes, banks=bank_set(banks), seed=seed, bypass_coinflip=flag(bypass_coinflip, "bypass_coinflip")
        )
    )


@hma.get("/m/index/status")
def index_status(svc: Svc, _who: Caller, signal_type: str | None = None) -> Any:
    def run() -> dict[str, Any]:
        found = svc.banks.index_status()
        if signal_type is None:
            return found
        if signal_type not in found:
            raise InputError(f"No such signal type '{signal_type}'", field="signal_type")
        return {signal_type: found[signal_type]}

    return answer(run)


@hma.post("/m/compare")
async def compare(request: Request, svc: Svc, _who: Caller) -> Any:
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JSONResponse({"message": "Request input was not a dict"}, status_code=400)
    return answer(lambda: svc.matching.compare(data))


# -- curation: banks -------------------------------------------------------------------------------------
@hma.get("/c/banks")
def banks_index(svc: Svc, _who: Caller) -> Any:
    return answer(lambda: [b.as_json() for b in svc.banks.banks()])


@hma.post("/c/banks")
async def bank_create(request: Request, svc: Svc, who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        name = data.get("name")
        if not isinstance(name, str):
            raise InputError("name is required", field="name")
        if data.get("enabled_ratio") is not None:
            ratio = check_ratio(data["enabled_ratio"])
        elif data.get("enabled") is not None:
            ratio = 1.0 if data["enabled"] else 0.0
        else:
            ratio = 1.0
        return svc.banks.create(name, ratio, by=actor(who)).as_json()

    return answer(run, 201)


@hma.get("/c/bank/{bank_name}")
def bank_show(bank_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.banks.require(bank_name).as_json())


@hma.put("/c/bank/{bank_name}")
async def bank_update(bank_name: str, request: Request, svc: Svc, _who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        ratio = None
        if data.get("enabled") is not None:
            ratio = 1.0 if data["enabled"] else 0.0
        if data.get("enabled_ratio") is not None:
            ratio = check_ratio(data["enabled_ratio"])
        new_name = data.get("name")
        if new_name is not None and not isinstance(new_name, str):
            raise InputError("name must be a string", field="name")
        return svc.banks.update(bank_name, new_name=new_name, ratio=ratio).as_json()

    return answer(run)


@hma.delete("/c/bank/{bank_name}")
def bank_delete(bank_name: str, svc: Svc, who: Caller) -> Any:
    def run() -> dict[str, str]:
        svc.banks.delete(bank_name, by=actor(who))
        return {"message": "Done"}

    return answer(run)


# -- curation: content -----------------------------------------------------------------------------------
@hma.get("/c/bank/{bank_name}/content/{content_id}")
def content_get(
    bank_name: str, content_id: int, svc: Svc, _who: Caller, include_signals: str | None = None
) -> Any:
    def run() -> dict[str, Any]:
        svc.banks.require(bank_name)
        return svc.banks.content(content_id).as_json(include_signals=flag(include_signals, "include_signals"))

    return answer(run)


def _metadata(data: dict[str, Any]) -> dict[str, Any] | None:
    meta = data.get("metadata")
    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise InputError("metadata should be a json object", field="metadata")
    unknown = set(meta) - {"content_id", "content_uri", "json", "collab"}
    if unknown:
        raise InputError(f"Invalid metadata: unknown fields {sorted(unknown)}", field="metadata")
    return meta


@hma.post("/c/bank/{bank_name}/content")
async def content_add(
    bank_name: str,
    request: Request,
    svc: Svc,
    who: Caller,
    url: str | None = None,
    content_type: str | None = None,
    types: str | None = None,
) -> Any:
    try:
        svc.banks.require(bank_name)
        is_form = request.headers.get("content-type", "").startswith("multipart/form-data")
        data = {} if is_form else await json_body(request)
        meta = _metadata(data)
        if url:
            hashes = fetched(svc, url, content_type, types)
        elif is_form:
            hashes = await uploaded(request, types)
        else:
            raise InputError("Neither `url` nor multipart file upload was received")
    except BastionError as exc:
        return failure(exc)

    def run() -> dict[str, Any]:
        cid, signals = svc.banks.add_content(bank_name, hashes, by=actor(who), metadata=meta)
        return {"id": cid, "signals": signals}

    return answer(run)


@hma.put("/c/bank/{bank_name}/content/{content_id}")
async def content_update(bank_name: str, content_id: int, request: Request, svc: Svc, who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        svc.banks.require(bank_name)
        item = svc.banks.content(content_id)
        if "disable_until_ts" in data:
            try:
                ts = int(data["disable_until_ts"])
            except (TypeError, ValueError):
                raise InputError("Invalid int", field="disable_until_ts") from None
            item = svc.banks.set_disabled(content_id, ts, by=actor(who))
        return item.as_json()

    return answer(run)


@hma.delete("/c/bank/{bank_name}/content/{content_id}")
def content_delete(bank_name: str, content_id: int, svc: Svc, who: Caller) -> Any:
    return answer(lambda: {"deleted": svc.banks.remove_content(bank_name, content_id, by=actor(who))})


@hma.post("/c/bank/{bank_name}/signal")
async def bank_add_signals(bank_name: str, request: Request, svc: Svc, who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        signals = {str(k): str(v) for k, v in data.items()}
        cid, clean = svc.banks.add_content(bank_name, signals, by=actor(who))
        return {"id": cid, "signals": clean}

    return answer(run)


# -- curation: configuration -----------------------------------------------------------------------------
@hma.get("/c/signal_type")
def signal_types(svc: Svc, _who: Caller) -> Any:
    return answer(
        lambda: [{"name": n, "enabled_ratio": r} for n, r in svc.banks.signal_type_ratios().items()]
    )


@hma.put("/c/signal_type/{signal_type_name}")
async def signal_type_update(signal_type_name: str, request: Request, svc: Svc, _who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        if data.get("enabled_ratio") is None:
            raise InputError("enabled_ratio is required", field="enabled_ratio")
        ratio = check_ratio(data["enabled_ratio"])
        svc.banks.set_signal_type_ratio(signal_type_name, ratio)
        return {"name": signal_type_name, "enabled_ratio": ratio}

    return answer(run)


@hma.get("/c/signal_type/index")
def signal_type_index(svc: Svc, _who: Caller, signal_type: str | None = None) -> Any:
    def run() -> dict[str, Any]:
        found = svc.banks.index_status()
        if signal_type is not None and signal_type not in found:
            raise InputError(f"No such signal type '{signal_type}'", field="signal_type")
        return {
            n: {
                "db_size": s["size"],
                "index_size": s["size"],
                "index_out_of_date": False,
                "newest_db_item": s["built_to"],
                "index_built_to": s["built_to"],
            }
            for n, s in found.items()
            if signal_type in (None, n)
        }

    return answer(run)


@hma.get("/c/content_type")
def content_types(_who: Caller) -> Any:
    return [{"name": n, "enabled": True} for n in CONTENT_TYPES]


# -- curation: exchanges ---------------------------------------------------------------------------------
@hma.get("/c/exchanges/apis")
def exchange_apis(svc: Svc, _who: Caller) -> Any:
    from bastion.exchange import APIS

    return list(APIS)


@hma.get("/c/exchanges/api/{api_name}")
def exchange_api(api_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.exchanges.credentials_status(api_name))


@hma.post("/c/exchanges/api/{api_name}")
def exchange_api_credentials(api_name: str, svc: Svc, _who: Caller) -> Any:
    def run() -> Any:
        svc.exchanges.credentials_status(api_name)
        raise InputError("credentials come from settings (BASTION_EXCHANGE_*), not from a request")

    return answer(run)


@hma.post("/c/exchanges")
async def exchange_create(request: Request, svc: Svc, who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, str]:
        bank, api, api_json = data.get("bank"), data.get("api"), data.get("api_json", {})
        if not isinstance(bank, str):
            raise InputError("bank is required", field="bank")
        if not isinstance(api, str):
            raise InputError("Field `api_type` is required", field="api")
        if not isinstance(api_json, dict):
            raise InputError("Field `api_json` must be object", field="api_json")
        platform = who.platform if who.role == Role.PLATFORM else data.get("platform")
        svc.exchanges.create(bank, api, api_json, by=actor(who), platform=platform)
        return {"message": "Created successfully"}

    return answer(run, 201)


@hma.get("/c/exchanges")
def exchange_list(svc: Svc, _who: Caller) -> Any:
    return answer(svc.exchanges.names)


@hma.get("/c/exchange/{exchange_name}")
def exchange_show(exchange_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.exchanges.config(exchange_name))


@hma.get("/c/exchange/{exchange_name}/status")
def exchange_status(exchange_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.exchanges.status(exchange_name))


@hma.put("/c/exchange/{exchange_name}")
async def exchange_update(exchange_name: str, request: Request, svc: Svc, _who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        if data.get("enabled") is not None:
            return svc.exchanges.set_enabled(exchange_name, bool(data["enabled"]))
        return svc.exchanges.config(exchange_name)

    return answer(run)


@hma.delete("/c/exchange/{exchange_name}")
def exchange_delete(exchange_name: str, svc: Svc, _who: Caller) -> Any:
    def run() -> dict[str, str]:
        svc.exchanges.delete(exchange_name)
        return {"message": "Exchange deleted"}

    return answer(run)


#: What the manifest mounts: HMA's routes at their own paths, Bastion's exchange and shared-signal routes.
router = APIRouter()
router.include_router(hma)
router.include_router(bastion_routes.router)
router.include_router(bastion_routes.shared)
