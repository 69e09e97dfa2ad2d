"""Bastion's own exchange routes, beside the HMA ones: a reviewer's verdict on a matched hash (sent back to
its exchanges as feedback; a false positive disables it locally), flood quarantines and a lead's decision on
them, and a sync started now instead of on the schedule."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bastion.api.access import Caller, authorise
from bastion.exchange import ExchangeService

router = APIRouter(prefix="/v1/exchange", tags=["exchange"], dependencies=[Depends(authorise)])


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
