"""Bastion's own exchange routes, beside the HMA ones: a reviewer's verdict on a matched hash (sent back to
its exchanges as feedback; a false positive disables it locally), flood quarantines and a lead's decision on
them, and a sync started now instead of on the schedule."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from bastion.api.access import Caller, authorise
from bastion.exchange import SIGNATURE, ExchangeService

router = APIRouter(prefix="/v1/exchange", tags=["exchange"], dependencies=[Depends(authorise)])
shared = APIRouter(prefix="/v1/shared", tags=["shared signals"], dependencies=[Depends(authorise)])


def service(request: Request) -> ExchangeService:
    svc: ExchangeService = request.app.state.bastion.service("exchange")
    return svc


Svc = Annotated[ExchangeService, Depends(service)]


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=100_000)
    verdict: Literal["true_positive", "false_positive"]


class FloodDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["release", "confirm"]
    reason: str = Field(min_length=1, max_length=2_000)


@router.post("/feedback")
def verdict(body: VerdictIn, svc: Svc, who: Caller) -> dict[str, object]:
    """A reviewer's verdict on a matched hash: feedback to every exchange that has it."""
    return svc.feedback.verdict(body.signal_type, body.value, body.verdict, by=who.name).as_json()


@router.get("/floods")
def floods(svc: Svc, _who: Caller, status: str | None = None) -> dict[str, object]:
    return {"floods": [f.as_json() for f in svc.flood.floods(status)], "alerts": svc.flood.alerts[-50:]}


@router.post("/floods/{flood_id}/decision")
def decide_flood(flood_id: int, body: FloodDecisionIn, svc: Svc, who: Caller) -> dict[str, object]:
    return svc.flood.decide(flood_id, body.decision, by=who.name, reason=body.reason).as_json()


@router.post("/{exchange_name}/sync")
def sync_now(exchange_name: str, svc: Svc, _who: Caller) -> dict[str, object]:
    return svc.exchanges.sync(exchange_name).as_json()


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    partner: str = Field(min_length=1, max_length=255)
    kind: Literal["pdq", "video_md5", "video_sha256", "url", "username", "email", "account_id", "phone"]
    value: str = Field(min_length=1, max_length=10_000)
    category: str = Field(min_length=1, max_length=64)
    expires_at: AwareDatetime | None = None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]


class SharedVerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["true_positive", "false_positive"]


@shared.post("/signals")
def publish(body: PublishIn, svc: Svc, who: Caller) -> dict[str, object]:
    """Share a signal with a partner: hashes and URLs as they are, identifiers as the partnership's HMAC."""
    seq = svc.shared.publish(body.partner, body.kind, body.value, body.category, by=who.name,
                             expires_at=body.expires_at)  # fmt: skip
    return {"seq": seq}


@shared.post("/signals/{seq}/retract")
def retract(seq: int, svc: Svc, _who: Caller) -> dict[str, object]:
    svc.shared.retract(seq)
    return {"seq": seq, "retracted": True}


@shared.get("/feed")
def feed(svc: Svc, who: Caller, since: int = 0) -> Response:
    """A partner's feed (its platform token names the partnership), signed with the partnership's key."""
    body, signature = svc.shared.feed(str(who.platform), since)
    return Response(body, media_type="application/json", headers={SIGNATURE: signature})


@shared.post("/feedback")
async def partner_feedback(request: Request, svc: Svc, who: Caller) -> dict[str, object]:
    """A partner's signed verdict on a signal we shared with it."""
    svc.shared.take_feedback(str(who.platform), await request.body(), request.headers.get(SIGNATURE, ""))
    return {"ok": True}


@shared.get("/incoming")
def incoming(svc: Svc, _who: Caller, status: str | None = None) -> dict[str, object]:
    return {"signals": [i.as_json() for i in svc.shared.incoming(status)]}


@shared.post("/incoming/{partner}/{remote_seq}/review")
def review_incoming(
    partner: str, remote_seq: int, body: ReviewIn, svc: Svc, who: Caller
) -> dict[str, object]:
    """A lead's decision on a partner's signal: nothing acts on it before."""
    return svc.shared.review(partner, remote_seq, body.decision, by=who.name).as_json()


@shared.post("/incoming/{partner}/{remote_seq}/feedback")
def feedback_incoming(
    partner: str, remote_seq: int, body: SharedVerdictIn, svc: Svc, who: Caller
) -> dict[str, object]:
    return svc.shared.send_feedback(partner, remote_seq, body.verdict, by=who.name).as_json()


@shared.post("/pull/{partner}")
def pull(partner: str, svc: Svc, _who: Caller) -> dict[str, object]:
    return {"changed": svc.shared.pull(partner)}
