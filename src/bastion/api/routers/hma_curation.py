"""HMA 2.0's curation API (``/c/``): banks, bank content and signals, signal and content types, exchanges,
with HMA's parameters, JSON and ``{"message"}`` errors (see :mod:`bastion.api.routers.hma`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from bastion.api.access import Caller, authorise
from bastion.api.routers.hma_common import (
    RESPONSES,
    Svc,
    actor,
    answer,
    failure,
    fetched,
    flag,
    json_body,
    uploaded,
)
from bastion.core.errors import BastionError, InputError
from bastion.core.roles import Role
from bastion.exchange import APIS, CONTENT_TYPES
from bastion.exchange.bank_views import check_ratio

curation = APIRouter(tags=["hma"], dependencies=[Depends(authorise)], responses=RESPONSES)


# -- curation: banks -------------------------------------------------------------------------------------
@curation.get("/c/banks")
def banks_index(svc: Svc, _who: Caller) -> Any:
    return answer(lambda: [b.as_json() for b in svc.banks.banks()])


@curation.post("/c/banks")
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


@curation.get("/c/bank/{bank_name}")
def bank_show(bank_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.banks.require(bank_name).as_json())


@curation.put("/c/bank/{bank_name}")
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


@curation.delete("/c/bank/{bank_name}")
def bank_delete(bank_name: str, svc: Svc, who: Caller) -> Any:
    def run() -> dict[str, str]:
        svc.banks.delete(bank_name, by=actor(who))
        return {"message": "Done"}

    return answer(run)


# -- curation: content -----------------------------------------------------------------------------------
@curation.get("/c/bank/{bank_name}/content/{content_id}")
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


@curation.post("/c/bank/{bank_name}/content")
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


@curation.put("/c/bank/{bank_name}/content/{content_id}")
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


@curation.delete("/c/bank/{bank_name}/content/{content_id}")
def content_delete(bank_name: str, content_id: int, svc: Svc, who: Caller) -> Any:
    return answer(lambda: {"deleted": svc.banks.remove_content(bank_name, content_id, by=actor(who))})


@curation.post("/c/bank/{bank_name}/signal")
async def bank_add_signals(bank_name: str, request: Request, svc: Svc, who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        signals = {str(k): str(v) for k, v in data.items()}
        cid, clean = svc.banks.add_content(bank_name, signals, by=actor(who))
        return {"id": cid, "signals": clean}

    return answer(run)


# -- curation: configuration -----------------------------------------------------------------------------
@curation.get("/c/signal_type")
def signal_types(svc: Svc, _who: Caller) -> Any:
    return answer(
        lambda: [{"name": n, "enabled_ratio": r} for n, r in svc.banks.signal_type_ratios().items()]
    )


@curation.put("/c/signal_type/{signal_type_name}")
async def signal_type_update(signal_type_name: str, request: Request, svc: Svc, _who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        if data.get("enabled_ratio") is None:
            raise InputError("enabled_ratio is required", field="enabled_ratio")
        ratio = check_ratio(data["enabled_ratio"])
        svc.banks.set_signal_type_ratio(signal_type_name, ratio)
        return {"name": signal_type_name, "enabled_ratio": ratio}

    return answer(run)


@curation.get("/c/signal_type/index")
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


@curation.get("/c/content_type")
def content_types(_who: Caller) -> Any:
    return [{"name": n, "enabled": True} for n in CONTENT_TYPES]


# -- curation: exchanges ---------------------------------------------------------------------------------
@curation.get("/c/exchanges/apis")
def exchange_apis(svc: Svc, _who: Caller) -> Any:

    return list(APIS)


@curation.get("/c/exchanges/api/{api_name}")
def exchange_api(api_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.exchanges.credentials_status(api_name))


@curation.post("/c/exchanges/api/{api_name}")
def exchange_api_credentials(api_name: str, svc: Svc, _who: Caller) -> Any:
    def run() -> Any:
        svc.exchanges.credentials_status(api_name)
        raise InputError("credentials come from settings (BASTION_EXCHANGE_*), not from a request")

    return answer(run)


@curation.post("/c/exchanges")
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


@curation.get("/c/exchanges")
def exchange_list(svc: Svc, _who: Caller) -> Any:
    return answer(svc.exchanges.names)


@curation.get("/c/exchange/{exchange_name}")
def exchange_show(exchange_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.exchanges.config(exchange_name))


@curation.get("/c/exchange/{exchange_name}/status")
def exchange_status(exchange_name: str, svc: Svc, _who: Caller) -> Any:
    return answer(lambda: svc.exchanges.status(exchange_name))


@curation.put("/c/exchange/{exchange_name}")
async def exchange_update(exchange_name: str, request: Request, svc: Svc, _who: Caller) -> Any:
    data = await json_body(request)

    def run() -> dict[str, Any]:
        if data.get("enabled") is not None:
            return svc.exchanges.set_enabled(exchange_name, bool(data["enabled"]))
        return svc.exchanges.config(exchange_name)

    return answer(run)


@curation.delete("/c/exchange/{exchange_name}")
def exchange_delete(exchange_name: str, svc: Svc, _who: Caller) -> Any:
    def run() -> dict[str, str]:
        svc.exchanges.delete(exchange_name)
        return {"message": "Exchange deleted"}

    return answer(run)
