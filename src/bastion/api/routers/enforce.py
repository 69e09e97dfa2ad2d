"""REST endpoints of enforcement: actions (apply, appeal, pull feed), network takedowns, evasion links,
follow-through status, dead letters and preserved reports.

The store comes from the service (:func:`get_store` reads ``app.state``; a test may override it); who
may call what is the service's one gate (:func:`bastion.api.access.authorise`, rules in
:mod:`bastion.api.policy`), which every route of this router also declares. The caller's name is the
actor of every decision made through these endpoints; its role decides access to preserved reports; a
platform token sees only its own platform's actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bastion.api.access import Caller, authorise, check_owner, own_platform
from bastion.api.state import app_store
from bastion.core.errors import InputError
from bastion.enforce.actions import ActionService
from bastion.enforce.evasion_store import evasion_links
from bastion.enforce.model import Decision, parse_kinds
from bastion.enforce.settings import EnforceSettings, load_enforce_settings
from bastion.enforce.status import recheck, transparency_summary
from bastion.enforce.takedown import Takedowns
from bastion.enforce.webhook import dead_letters
from bastion.report.preservation import PreservationVault
from bastion.report.service import reports_for_decision
from bastion.store import Store


def get_store(request: Request) -> Store:
    """The service's store (``app.state``); a router mounted without the service answers 503."""
    return app_store(request, "enforcement")


def get_settings() -> EnforceSettings:
    return load_enforce_settings()


StoreDep = Annotated[Store, Depends(get_store)]
CallerDep = Caller
INT64 = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=INT64)]
Name = Annotated[str, Query(min_length=1, max_length=255)]
SettingsDep = Annotated[EnforceSettings, Depends(get_settings)]


class ActionRequest(BaseModel):
    """A lead's action: on a decision already recorded (``decision_id``: a case's, read, not asked again),
    or outside any case, with the lead's own reason and clause (stored once as a ``manual`` decision)."""

    model_config = ConfigDict(extra="forbid")
    platform: str = Field(min_length=1, max_length=255)
    account_id: str = Field(min_length=1, max_length=255)
    actions: list[str] = Field(min_length=1, max_length=5)
    decision_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    reason: str | None = Field(default=None, min_length=1, max_length=2_000)
    clause: str | None = Field(default=None, min_length=1, max_length=255)
    post_id: str | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _one_decision(self) -> ActionRequest:
        if self.decision_id is not None and (self.reason is not None or self.clause is not None):
            raise ValueError("give decision_id, or reason and clause for a decision outside a case; not both")
        if self.decision_id is None and (self.reason is None or self.clause is None):
            raise ValueError("reason and clause are required without a decision_id")
        return self


class ReverseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2_000)
    clause: str = Field(min_length=1, max_length=255)


class TakedownRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    network_id: str = Field(min_length=1, max_length=255)
    platform: str | None = Field(default=None, max_length=255)
    reason: str = Field(min_length=1, max_length=2_000)
    clause: str = Field(min_length=1, max_length=255)


def on_recorded_decision(decision: Decision, body: ActionRequest) -> Decision:
    """A recorded decision may carry an action only if it found a violation on this account."""
    if decision.outcome != "violating":
        raise InputError(f"decision {decision.decision_id} found no violation", field="decision_id")
    if decision.platform not in (None, body.platform):
        raise InputError(f"decision {decision.decision_id} is about {decision.platform}", field="platform")
    if decision.subjects and body.account_id not in {s.account_id for s in decision.subjects}:
        raise InputError(
            f"decision {decision.decision_id} does not cover account {body.account_id}", field="account_id"
        )
    return decision


def make_router(dependencies: Sequence[Any] = ()) -> APIRouter:
    router = APIRouter(tags=["enforce"], dependencies=[Depends(authorise), *dependencies])

    @router.get("/v1/actions")
    def pull(
        store: StoreDep,
        caller: CallerDep,
        since: Annotated[int, Query(ge=0, le=INT64)] = 0,
        platform: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
        limit: Annotated[int, Query(ge=1, le=5_000)] = 1_000,
    ) -> dict[str, Any]:
        """Action events after cursor ``since``, oldest first; ``next`` is the cursor for the next call.
        A platform token gets its own platform's events only (``platform`` may be omitted)."""
        scoped = own_platform(caller, platform)
        events = ActionService(store).events(since, platform=scoped, limit=limit)
        return {"events": [e.as_json() for e in events], "next": events[-1].event_id if events else since}

    @router.post("/v1/actions", status_code=201)
    def apply(body: ActionRequest, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        service = ActionService(store)
        if body.decision_id is not None:
            decision = on_recorded_decision(service.decision(body.decision_id), body)
        else:
            assert body.reason is not None and body.clause is not None
            decision = Decision(caller.name, body.reason, body.clause)
        ids = service.apply(
            body.platform, body.account_id, parse_kinds(body.actions), decision, post_id=body.post_id
        )
        return {"action_ids": ids, "decision_id": service.get(ids[0]).decision_id}

    @router.get("/v1/decisions/{decision_id}")
    def decision(decision_id: Id, store: StoreDep) -> dict[str, Any]:
        """One decision (a case's, or a lead's outside a case), with the actions that carry it out and the
        CyberTipline reports it opened."""
        service = ActionService(store)
        found = service.decision(decision_id)
        return found.as_json() | {
            "actions": [
                {
                    "action_id": a.action_id,
                    "account_id": a.account_id,
                    "target_type": a.target_type,
                    "target_id": a.target_id,
                    "action": str(a.kind),
                    "state": str(a.state),
                    "role": a.role,
                }
                for a in service.for_decision(decision_id)
            ],
            "cybertip_reports": reports_for_decision(store, decision_id),
        }

    @router.post("/v1/actions/{action_id}/reverse")
    def reverse(action_id: Id, body: ReverseRequest, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        """An upheld appeal: the action is reversed and the reversal delivered; its history keeps both."""
        a = ActionService(store).reverse(action_id, Decision(caller.name, body.reason, body.clause))
        return {"action_id": a.action_id, "state": str(a.state)}

    @router.get("/v1/actions/{action_id}/history")
    def history(action_id: Id, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        """Every event of one action; a platform token sees only its own platform's actions."""
        events = ActionService(store).history(action_id)
        for e in events:
            check_owner(caller, e.action.platform, f"action {action_id}")
        return {"events": [e.as_json() for e in events]}

    @router.get("/v1/takedowns/preview")
    def preview(store: StoreDep, network_id: Name, platform: Name | None = None) -> dict[str, Any]:
        p = Takedowns(store).preview(network_id, platform)
        return {
            "platform": p.platform,
            "network_id": p.network_id,
            "by_role": p.by_role(),
            "members": [m.as_json() for m in p.members],
        }

    @router.post("/v1/takedowns", status_code=201)
    def takedown(body: TakedownRequest, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        td = Takedowns(store)
        r = td.apply(body.network_id, Decision(caller.name, body.reason, body.clause), body.platform)
        return {
            "takedown_id": r.takedown_id,
            "created": r.created,
            "skipped": r.skipped,
            "actions": td.status(r.takedown_id),
        }

    @router.get("/v1/takedowns/{takedown_id}")
    def takedown_status(takedown_id: Id, store: StoreDep) -> dict[str, Any]:
        return {"takedown_id": takedown_id, "actions": Takedowns(store).status(takedown_id)}

    @router.get("/v1/evasion")
    def evasion(store: StoreDep, platform: Name | None = None) -> list[dict[str, Any]]:
        return evasion_links(store, platform)

    @router.get("/v1/enforcement/status")
    def status(store: StoreDep, settings: SettingsDep, platform: Name) -> dict[str, Any]:
        r = recheck(store, platform, escalate_after_days=settings.still_active_days)
        return {
            "tracked": r.tracked,
            "still_active": r.still_active,
            "buckets": [
                {"label": b.label, "tracked": b.tracked, "still_active": b.still_active} for b in r.buckets
            ],
            "escalated": [t.account_id for t in r.escalate],
            "transparency": transparency_summary(store, platform).as_json(),
        }

    @router.get("/v1/deliveries/dead")
    def dead(store: StoreDep) -> list[dict[str, Any]]:
        return [
            {
                "delivery_id": d.delivery_id,
                "event_id": d.event_id,
                "attempts": d.attempts,
                "last_error": d.last_error,
            }
            for d in dead_letters(store)
        ]

    @router.get("/v1/preservation/{item_id}")
    def preserved(item_id: Id, store: StoreDep, caller: CallerDep, settings: SettingsDep) -> dict[str, Any]:
        """Preserved contents, for authorised roles only; every call (allowed or not) is logged."""
        vault = PreservationVault(
            store, settings.fernet_key(), days=settings.preservation_days, reader_roles=settings.reader_roles
        )
        return _without_media(vault.read(item_id, actor=caller.name, role=str(caller.role)))

    return router


def _without_media(record: dict[str, Any]) -> dict[str, Any]:
    """Preserved media bytes (a connector's evidence) never leave over the API, where a browser could render
    them: each file keeps its hashes and size, and the bytes stay in the vault for legal process."""
    files = record.get("files")
    if not isinstance(files, list):
        return record
    kept = [
        {k: v for k, v in f.items() if k != "content_b64"} | {"content": "withheld: preserved in the vault"}
        if isinstance(f, dict) and "content_b64" in f
        else f
        for f in files
    ]
    return record | {"files": kept}


router = make_router()

__all__ = ["get_settings", "get_store", "make_router", "router"]
