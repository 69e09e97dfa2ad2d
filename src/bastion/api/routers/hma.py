"""Meta's Hasher-Matcher-Actioner 2.0 (OpenMediaMatch) API, on Bastion's hash lists and behind its tokens.

Same paths, parameters and JSON shapes as OpenMediaMatch's blueprints: ``/status``, hashing (``/h``),
matching (``/m``) and curation (``/c``), errors as ``{"message": ...}`` with HMA's status codes. Mounted at
the root, as HMA serves them, so a client configured with an HMA address needs only Bastion's address and a
token (``Authorization: Bearer``; HMA leaves authentication to the deployment). Platform tokens may hash and
match; curation is for staff (reads for every person, changes for leads and admins, exchange setup for
admins). Exchange credentials come from settings, never from a request. Curation is in :mod:`.hma_curation`;
Bastion's own additions (feedback, floods, a sync now, shared signals) in :mod:`.exchange`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from bastion.api.access import Caller, MaybeCaller, authorise
from bastion.api.routers import exchange as bastion_routes
from bastion.api.routers import hma_curation
from bastion.api.routers.hma_common import (
    RESPONSES,
    Svc,
    answer,
    bank_set,
    failure,
    fetched,
    flag,
    uploaded,
)
from bastion.core.errors import BastionError, InputError

hma = APIRouter(tags=["hma"], dependencies=[Depends(authorise)], responses=RESPONSES)


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


#: What the manifest mounts: HMA's routes at their own paths, Bastion's exchange and shared-signal routes.
router = APIRouter()
router.include_router(hma)
router.include_router(hma_curation.curation)
router.include_router(bastion_routes.router)
router.include_router(bastion_routes.shared)
