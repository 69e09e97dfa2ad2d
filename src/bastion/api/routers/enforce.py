"""REST endpoints of enforcement: actions (apply, appeal, pull feed), network takedowns, evasion links,
follow-through status, dead letters and preserved reports.

The service app provides the store and the caller by overriding :func:`get_store` and :func:`get_caller`
(``app.dependency_overrides``) and adds authentication through ``dependencies=``. The caller's name is the
actor of every decision made through these endpoints; its role decides access to preserved reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from bastion.core.errors import BastionError, InputError, NotFound
from bastion.enforce.actions import ActionService
from bastion.enforce.evasion_store import evasion_links
from bastion.enforce.model import Decision, parse_kinds
from bastion.enforce.settings import EnforceSettings, load_enforce_settings
from bastion.enforce.status import recheck, transparency_summary
from bastion.enforce.takedown import Takedowns
from bastion.enforce.webhook import dead_letters
from bastion.report.preservation import AccessDenied, PreservationVault
from bastion.store import Store


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    role: str


def get_store() -> Store:
    """Overridden by the service app; without it the endpoints answer 503."""
    raise HTTPException(status_code=503, detail="enforcement store not configured")


def get_caller() -> Caller:
    """Overridden by the service app with the authenticated principal (name and role)."""
    raise HTTPException(status_code=401, detail="not authenticated")


def get_settings() -> EnforceSettings:
    return load_enforce_settings()


StoreDep = Annotated[Store, Depends(get_store)]
CallerDep = Annotated[Caller, Depends(get_caller)]
SettingsDep = Annotated[EnforceSettings, Depends(get_settings)]


class ActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str = Field(min_length=1, max_length=255)
    account_id: str = Field(min_length=1, max_length=255)
    actions: list[str] = Field(min_length=1, max_length=5)
    reason: str = Field(min_length=1, max_length=2_000)
    clause: str = Field(min_length=1, max_length=255)
    post_id: str | None = Field(default=None, max_length=255)


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


#: Who may call what: enforcement is a reviewed decision (leads), the feed is the platform's, figures are
#: for oversight too. Preserved reports are checked by the vault itself (its reader roles) and logged.
DECIDE = ("lead", "admin")
FEED = ("platform", "admin")
LOOK = ("reviewer", "lead", "admin", "auditor")


def allow(*roles: str) -> Any:
    """Dependency: the caller's role is one of ``roles``; anything else is 403, not a silent empty answer."""

    def check(caller: CallerDep) -> Caller:
        if caller.role not in roles:
            raise HTTPException(
                403, f"role {caller.role!r} may not do this (needs one of {', '.join(roles)})"
            )
        return caller

    return Depends(check)


def _http(exc: BastionError) -> HTTPException:
    if isinstance(exc, NotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, AccessDenied):
        return HTTPException(403, str(exc))
    if isinstance(exc, InputError):
        return HTTPException(422, str(exc))
    return HTTPException(500, str(exc))


def make_router(dependencies: Sequence[Any] = ()) -> APIRouter:
    router = APIRouter(tags=["enforce"], dependencies=list(dependencies))

    @router.get("/v1/actions", dependencies=[allow(*FEED)])
    def pull(
        store: StoreDep,
        since: Annotated[int, Query(ge=0)] = 0,
        platform: str | None = None,
        limit: Annotated[int, Query(ge=1, le=5_000)] = 1_000,
    ) -> dict[str, Any]:
        """Action events after cursor ``since``, oldest first; ``next`` is the cursor for the next call."""
        events = ActionService(store).events(since, platform=platform, limit=limit)
        return {"events": [e.as_json() for e in events], "next": events[-1].event_id if events else since}

    @router.post("/v1/actions", status_code=201, dependencies=[allow(*DECIDE)])
    def apply(body: ActionRequest, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        try:
            ids = ActionService(store).apply(
                body.platform,
                body.account_id,
                parse_kinds(body.actions),
                Decision(caller.name, body.reason, body.clause),
                post_id=body.post_id,
            )
        except BastionError as exc:
            raise _http(exc) from exc
        return {"action_ids": ids}

    @router.post("/v1/actions/{action_id}/reverse", dependencies=[allow(*DECIDE)])
    def reverse(action_id: int, body: ReverseRequest, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        """An upheld appeal: the action is reversed and the reversal delivered; its history keeps both."""
        try:
            a = ActionService(store).reverse(action_id, Decision(caller.name, body.reason, body.clause))
        except BastionError as exc:
            raise _http(exc) from exc
        return {"action_id": a.action_id, "state": str(a.state)}

    @router.get("/v1/actions/{action_id}/history", dependencies=[allow(*LOOK, *FEED)])
    def history(action_id: int, store: StoreDep) -> dict[str, Any]:
        return {"events": [e.as_json() for e in ActionService(store).history(action_id)]}

    @router.get("/v1/takedowns/preview", dependencies=[allow(*LOOK)])
    def preview(store: StoreDep, network_id: str, platform: str | None = None) -> dict[str, Any]:
        try:
            p = Takedowns(store).preview(network_id, platform)
        except BastionError as exc:
            raise _http(exc) from exc
        return {
            "platform": p.platform,
            "network_id": p.network_id,
            "by_role": p.by_role(),
            "members": [m.as_json() for m in p.members],
        }

    @router.post("/v1/takedowns", status_code=201, dependencies=[allow(*DECIDE)])
    def takedown(body: TakedownRequest, store: StoreDep, caller: CallerDep) -> dict[str, Any]:
        td = Takedowns(store)
        try:
            r = td.apply(body.network_id, Decision(caller.name, body.reason, body.clause), body.platform)
        except BastionError as exc:
            raise _http(exc) from exc
        return {
            "takedown_id": r.takedown_id,
            "created": r.created,
            "skipped": r.skipped,
            "actions": td.status(r.takedown_id),
        }

    @router.get("/v1/takedowns/{takedown_id}", dependencies=[allow(*LOOK)])
    def takedown_status(takedown_id: int, store: StoreDep) -> dict[str, Any]:
        try:
            return {"takedown_id": takedown_id, "actions": Takedowns(store).status(takedown_id)}
        except BastionError as exc:
            raise _http(exc) from exc

    @router.get("/v1/evasion", dependencies=[allow(*LOOK)])
    def evasion(store: StoreDep, platform: str | None = None) -> list[dict[str, Any]]:
        return evasion_links(store, platform)

    @router.get("/v1/enforcement/status", dependencies=[allow(*LOOK)])
    def status(store: StoreDep, settings: SettingsDep, platform: str) -> dict[str, Any]:
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

    @router.get("/v1/deliveries/dead", dependencies=[allow("lead", "admin", "auditor")])
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
    def preserved(item_id: int, store: StoreDep, caller: CallerDep, settings: SettingsDep) -> dict[str, Any]:
        """Preserved contents, for authorised roles only; every call (allowed or not) is logged."""
        vault = PreservationVault(
            store, settings.fernet_key(), days=settings.preservation_days, reader_roles=settings.reader_roles
        )
        try:
            return vault.read(item_id, actor=caller.name, role=caller.role)
        except BastionError as exc:
            raise _http(exc) from exc

    return router


router = make_router()

__all__ = ["Caller", "get_caller", "get_settings", "get_store", "make_router", "router"]
