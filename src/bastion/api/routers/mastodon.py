"""``POST /v1/mastodon/webhook``: a Mastodon server's admin webhooks (``report.created``, ``account.created``,
``account.updated``, ``status.created``) as Bastion events and reports.

Mastodon cannot send a bearer token, so the gate lets the request through and this endpoint authenticates it:
``X-Hub-Signature`` must be the HMAC-SHA256 of the raw body under ``BASTION_MASTODON_WEBHOOK_SECRET`` (401
without one, 403 for a wrong one), checked before the body is parsed. Accounts and statuses are stored through
the event path (``POST /v1/events``'s), reports through review's intake (``POST /v1/reports``'s), so they
become cases the same way. Media attached to reported or new statuses is fetched (bounded) and hashed here
with Bastion's media hashing; only the hashes are kept. Answered after the commit; a redelivery is a replay.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from bastion.api.routers.events import event_log, store
from bastion.api.routers.intake import store_valid
from bastion.connectors.mastodon.fetch import FetchError, fetch
from bastion.connectors.mastodon.payloads import EVENTS, MediaRef, attach_media, map_webhook, parse
from bastion.connectors.mastodon.signature import HEADER, BadSignature, verify
from bastion.core.platforms import MastodonSettings
from bastion.media import MediaError, file_digests, hash_file
from bastion.review.intake import validate
from bastion.review.service import Review

router = APIRouter(tags=["mastodon"])
log = logging.getLogger("bastion.api.mastodon")

BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["event", "created_at", "object"],
                    "properties": {
                        "event": {"type": "string", "enum": list(EVENTS)},
                        "created_at": {"type": "string", "format": "date-time"},
                        "object": {
                            "type": "object",
                            "description": "Admin::Account, Status or Admin::Report",
                        },
                    },
                }
            }
        },
    },
    "parameters": [
        {
            "name": HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": "sha256=<hex HMAC-SHA256 of the raw body under the webhook's secret>",
        }
    ],
}


def hash_media(refs: list[MediaRef], settings: MastodonSettings) -> tuple[dict[Any, Any], dict[Any, str]]:
    """({(post, media): media item hashes}, {(post, media): why not}); the bytes live in a temporary file
    only while they are hashed."""
    hashed: dict[Any, Any] = {}
    failed: dict[Any, str] = {}
    deadline = time.monotonic() + settings.media_budget_seconds
    for n, ref in enumerate(refs):
        key = (ref.post_id, ref.media_id)
        if n >= settings.media_per_webhook:
            failed[key] = f"over the {settings.media_per_webhook} files hashed per webhook"
            continue
        if time.monotonic() > deadline:
            failed[key] = f"over the webhook's {settings.media_budget_seconds} s media budget"
            continue
        try:
            data = fetch(
                ref.url,
                max_bytes=settings.media_max_bytes,
                timeout=settings.media_timeout_seconds,
                allow_private=settings.media_private_hosts,
            )
            hashed[key] = _hash_bytes(data, video=ref.kind in ("video", "gifv"))
        except FetchError as exc:
            failed[key] = str(exc)
            log.warning("mastodon: media %s of %s not hashed: %s", ref.media_id, ref.post_id, exc)
    return hashed, failed


def _hash_bytes(data: bytes, *, video: bool) -> dict[str, Any]:
    """A ``posts.media`` item's hash fields, named by the hash-type registry (``md5``, ``sha256``, ``pdq``
    with ``pdq_quality``, ``vpdq`` for videos, and any plugin type's field). A file that does not decode
    (audio, a damaged image, a video without the vPDQ package) keeps its MD5 and SHA-256."""
    handle, path = tempfile.mkstemp(prefix="bastion-mastodon-", suffix=".mp4" if video else ".bin")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        try:
            hashes = hash_file(path).as_json()
        except MediaError as exc:
            log.info("mastodon: no perceptual hash (%s); MD5 and SHA-256 only", exc)
            md5, sha256 = file_digests(path)
            hashes = {"md5": md5, "sha256": sha256}
    finally:
        os.unlink(path)
    hashes.pop("path", None)
    hashes.pop("reframed", None)
    hashes["pdq_quality"] = hashes.pop("quality", None)
    return {k: v for k, v in hashes.items() if v is not None}


async def _store_reports(review: Review, raw: list[dict[str, Any]], platform: str) -> dict[str, Any]:
    """Reports through the intake path of ``POST /v1/reports`` (validated, stored, a refused value rejected
    by name)."""
    valid, rejected = validate(raw, platform=platform, idem_key=None)
    statuses = await store_valid(review, valid, rejected)
    out: dict[str, Any] = {"stored": statuses.count("stored"), "duplicate": statuses.count("duplicate")}
    out["rejected"] = [
        {"report_id": r.report_id, "field": r.field, "message": r.error} for r in rejected.values()
    ]
    return out


@router.post("/v1/mastodon/webhook", openapi_extra=BODY_DOC)
async def mastodon_webhook(request: Request) -> JSONResponse:
    """One signed Mastodon webhook: 200 once its accounts, statuses and report are stored (or replayed);
    events Bastion does not map are acknowledged and ignored. 401: unsigned; 403: wrongly signed; 404: no
    webhook secret configured."""
    settings: MastodonSettings = request.app.state.bastion.section("mastodon")
    signature = request.headers.get(HEADER)
    if not signature:  # unauthenticated, whether or not a secret is configured (as every other route)
        raise HTTPException(401, f"missing {HEADER} header (sha256=<hex HMAC of the body>)")
    if settings.webhook_secret is None:
        raise HTTPException(404, "the Mastodon webhook is not configured (BASTION_MASTODON_WEBHOOK_SECRET)")
    body = await request.body()
    try:
        verify(settings.webhook_secret.get_secret_value().encode(), body, signature)
    except BadSignature as exc:
        log.warning("mastodon: webhook refused: %s", exc.message)
        raise HTTPException(exc.status, exc.message) from None
    mapped = map_webhook(parse(body))
    if mapped.event not in EVENTS:
        return JSONResponse({"event": mapped.event, "ignored": True})
    hashed, failed = await run_in_threadpool(hash_media, mapped.media, settings)
    attach_media(mapped, hashed, failed)
    platform = settings.platform
    events = event_log(request)
    valid, rejected = events.validate(mapped.events, platform)
    stored, refused = await store(events, platform, valid)
    answer: dict[str, Any] = {
        "event": mapped.event,
        "events": {
            "stored": sum(1 for a in stored if not a.replay),
            "replayed": sum(1 for a in stored if a.replay),
            "rejected": [a.as_json() for a in [*rejected, *refused]],
        },
        "media": {"hashed": len(hashed), "not_hashed": len(failed)},
    }
    if mapped.reports:
        answer["reports"] = await _store_reports(request.app.state.review, mapped.reports, platform)
    if answer["events"]["rejected"] or answer.get("reports", {}).get("rejected"):
        log.warning("mastodon: %s partly rejected: %s", mapped.event, answer)
    return JSONResponse(answer)
