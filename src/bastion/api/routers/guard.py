"""REST endpoints of the recommendation and contact guard.

The store comes from the service (:func:`get_store` reads ``app.state``; a test may override it);
every route goes through the service's one gate (:func:`bastion.api.access.authorise`), and a platform
token is answered for its own platform only (``platform`` may be omitted; another one is refused).
The guard's state is kept in memory per (store, platform, policy) and refreshed per request only when the
watched signals or the ingested graph changed (two index-backed queries).
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bastion.api.access import Caller, authorise, own_platform
from bastion.api.state import app_store
from bastion.guard.contact import ContactGuard
from bastion.guard.filter import RecommendationGuard
from bastion.guard.policy import GuardPolicy
from bastion.guard.state import GuardState
from bastion.guard.storage import guard_state, signal_sink
from bastion.store import Store

MAX_CANDIDATES = 5_000
ID = Field(min_length=1, max_length=255)

router = APIRouter(prefix="/v1/guard", tags=["guard"], dependencies=[Depends(authorise)])


def get_store(request: Request) -> Store:
    """The service's store (``app.state``); a router mounted without the service answers 503."""
    return app_store(request, "guard")


def get_policy() -> GuardPolicy:
    return GuardPolicy()


#: On the request path the guard checks for new detections at most this often (two small queries), so a
#: new network reaches recommendations within a second without costing every request a database trip.
FRESHNESS_SECONDS = 1.0


class _StateCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[tuple[int, str | None, GuardPolicy], GuardState] = {}

    def get(self, store: Store, platform: str | None, policy: GuardPolicy) -> GuardState:
        key = (id(store), platform, policy)
        state = self._states.get(key)
        if state is None or getattr(state.source, "store", None) is not store:
            with self._lock:
                state = guard_state(store, platform, policy, check_every=FRESHNESS_SECONDS)
                self._states[key] = state
        state.refresh_if_stale()
        return state


_cache = _StateCache()


def _state(store: Store, platform: str | None, policy: GuardPolicy) -> GuardState:
    return _cache.get(store, platform, policy)


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = ID
    account_id: str | None = Field(default=None, min_length=1, max_length=255)  # the author of a post
    via: list[Annotated[str, ID]] | None = Field(default=None, max_length=100)


class RecommendationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str | None = Field(default=None, min_length=1, max_length=255)
    viewer_id: str = ID
    candidates: list[Annotated[str, ID] | Candidate] = Field(max_length=MAX_CANDIDATES)


class RemovedOut(BaseModel):
    id: str
    position: int
    reason: str
    detail: str


class RecommendationsOut(BaseModel):
    kept: list[str]
    removed: list[RemovedOut]


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str | None = Field(default=None, min_length=1, max_length=255)
    sender_id: str = ID
    recipient_id: str = ID
    kind: Literal["follow", "message"] = "follow"


class ContactOut(BaseModel):
    action: Literal["allow", "warn", "hold", "block"]
    reasons: list[str]
    warn: Literal["recipient", "sender"] | None
    safety_tools: list[str]


StoreDep = Annotated[Store, Depends(get_store)]
PolicyDep = Annotated[GuardPolicy, Depends(get_policy)]


@router.post("/recommendations", response_model=RecommendationsOut)
def filter_recommendations(
    body: RecommendationsIn, store: StoreDep, policy: PolicyDep, caller: Caller
) -> RecommendationsOut:
    state = _state(store, own_platform(caller, body.platform), policy)
    items = [c if isinstance(c, Candidate) else Candidate(id=c) for c in body.candidates]
    result = RecommendationGuard(state).filter(
        body.viewer_id,
        [c.id for c in items],
        via=[c.via for c in items],
        authors=[c.account_id or c.id for c in items],
    )
    return RecommendationsOut(
        kept=result.kept,
        removed=[
            RemovedOut(id=r.candidate, position=r.position, reason=r.reason, detail=r.detail)
            for r in result.removed
        ],
    )


@router.post("/contact", response_model=ContactOut)
def check_contact(body: ContactIn, store: StoreDep, policy: PolicyDep, caller: Caller) -> ContactOut:
    state = _state(store, own_platform(caller, body.platform), policy)
    decision = ContactGuard(state, signal_sink(store)).check(body.sender_id, body.recipient_id, body.kind)
    return ContactOut(
        action=decision.action.value,
        reasons=list(decision.reasons),
        warn=decision.warn,  # type: ignore[arg-type]
        safety_tools=list(decision.safety_tools),
    )
