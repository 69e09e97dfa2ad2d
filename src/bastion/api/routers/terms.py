"""REST endpoints of the term guard: decide a search, match texts.

The store comes from the service (:func:`get_store` reads ``app.state``) and the guard policy from the
operator's settings (:func:`get_policy`; tests may override either); every route goes through the
service's one gate (:func:`bastion.api.access.authorise`), and a platform token decides searches for its
own platform only.

A search decision carries the action, the deterrence message and the help resources, and nothing else: no
bypass flag, and no matched terms (a searcher must not learn which spelling tripped the guard).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bastion.api.access import Caller, authorise, own_platform
from bastion.api.state import app_store
from bastion.store import Store
from bastion.terms.guard import GuardPolicy, Viewer
from bastion.terms.policy_file import policy_from_settings
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import TermGuard
from bastion.terms.views import FieldKind

MAX_TEXTS = 1_000
MAX_TEXT_LEN = 10_000


def get_store(request: Request) -> Store:
    """The service's store (``app.state``); a router mounted without the service answers 503."""
    return app_store(request, "term guard")


def get_policy() -> GuardPolicy:
    """The operator's guard policy (messages, help resources, what blocks) from ``BASTION_GUARD_POLICY``."""
    return policy_from_settings()


class _GuardCache:
    """One compiled guard per (store, policy), rebuilt when the active lexicons change (checked per request
    with one cheap query), so a decision costs a match, not a compile."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[int, GuardPolicy], tuple[tuple[Any, ...], TermGuard]] = {}

    def get(self, store: Store, policy: GuardPolicy) -> TermGuard:
        version = LexiconRepository(store).version()
        key = (id(store), policy)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == version and hit[1].store is store:
            return hit[1]
        with self._lock:
            guard = TermGuard.from_store(store, policy)
            self._cache[key] = (version, guard)
            return guard


_cache = _GuardCache()


def get_term_guard(
    store: Annotated[Store, Depends(get_store)], policy: Annotated[GuardPolicy, Depends(get_policy)]
) -> TermGuard:
    return _cache.get(store, policy)


class GuardSearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=1_000)
    viewer_id: str | None = Field(default=None, max_length=255)
    platform: str = Field(min_length=1, max_length=255)
    age_band: Literal["minor", "adult", "unknown"] = "unknown"
    session_id: str | None = Field(default=None, max_length=255)


class HelpResourceOut(BaseModel):
    name: str
    url: str
    phone: str


class GuardSearchResponse(BaseModel):
    action: Literal["allow", "warn", "block"]
    message: str
    resources: list[HelpResourceOut]


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[Annotated[str, Field(max_length=MAX_TEXT_LEN)]] = Field(max_length=MAX_TEXTS)
    field: FieldKind = FieldKind.TEXT


class MatchOut(BaseModel):
    term: str
    category: str
    severity: str
    start: int
    end: int
    evasions: list[str]
    lexicon: str


class TextMatches(BaseModel):
    text: str
    matches: list[MatchOut]


class MatchResponse(BaseModel):
    results: list[TextMatches]


GuardDep = Annotated[TermGuard, Depends(get_term_guard)]


def make_router(dependencies: Sequence[Any] = ()) -> APIRouter:
    """The router; ``dependencies`` (e.g. ``[Depends(require_api_key)]``) run before every endpoint."""
    router = APIRouter(tags=["terms"], dependencies=[Depends(authorise), *dependencies])

    @router.post("/v1/guard/search", response_model=GuardSearchResponse)
    def guard_search(body: GuardSearchRequest, guard: GuardDep, caller: Caller) -> GuardSearchResponse:
        """Decide a search before results are shown; a block is logged against the viewer's account."""
        viewer = Viewer(body.viewer_id, age_band=body.age_band, session_id=body.session_id)
        d = guard.guard(own_platform(caller, body.platform) or body.platform, body.query, viewer)
        return GuardSearchResponse(
            action=d.action.value,
            message=d.message,
            resources=[HelpResourceOut(name=r.name, url=r.url, phone=r.phone) for r in d.resources],
        )

    @router.post("/v1/terms/match", response_model=MatchResponse)
    def match(body: MatchRequest, guard: GuardDep) -> MatchResponse:
        """Lexicon matches for each text, in order, with spans in the original text and the evasions."""
        found = guard.matcher.match_many(body.texts, body.field)
        return MatchResponse(
            results=[
                TextMatches(
                    text=text,
                    matches=[MatchOut.model_validate(m.as_dict()) for m in ms],
                )
                for text, ms in zip(body.texts, found, strict=True)
            ]
        )

    return router


router = make_router()

__all__ = ["get_policy", "get_store", "get_term_guard", "make_router", "router"]
