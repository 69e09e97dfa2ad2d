"""``POST /v1/media/match``: hashes a platform computed at upload time, matched against the hash lists.

A connector (the Synapse module) hashes an upload where the bytes are and sends only the hashes here, so no
media byte reaches Bastion and the lists never leave it; negative lists are respected (a cancelled match is
answered as not matched, with ``suppressed`` counting what was cancelled). Changes to the lists take effect
at the next request (the live matcher replays the change log, one query).
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bastion.api.access import authorise
from bastion.api.state import app_store
from bastion.media.repository import BankRepository
from bastion.store import Store

HEX_PDQ = r"^[0-9a-fA-F]{64}$"


def get_store(request: Request) -> Store:
    """The service's store (``app.state``); a router mounted without the service answers 503."""
    return app_store(request, "media")


class _Repos:
    """One live matcher per store: built once, brought up to date with the change log on each use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._repos: dict[int, BankRepository] = {}

    def get(self, store: Store) -> BankRepository:
        with self._lock:
            repo = self._repos.get(id(store))
            if repo is None or repo.store is not store:
                repo = self._repos[id(store)] = BankRepository(store)
                _ = repo.matcher
            else:
                repo.refresh()
            return repo


_repos = _Repos()


class HashesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pdq: str | None = Field(default=None, pattern=HEX_PDQ)
    quality: int | None = Field(default=None, ge=0, le=100)
    md5: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{32}$")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")


class MediaMatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[HashesIn] = Field(min_length=1, max_length=1_000)


class MatchedEntry(BaseModel):
    list_name: str
    type: str
    distance: int
    tags: list[str]


class ItemVerdict(BaseModel):
    matched: bool
    matches: list[MatchedEntry]
    suppressed: int = Field(description="positive matches a negative list cancelled")
    pdq_skipped: str | None = None


class MediaMatchResponse(BaseModel):
    results: list[ItemVerdict]


router = APIRouter(tags=["media"], dependencies=[Depends(authorise)])


@router.post("/v1/media/match", response_model=MediaMatchResponse)
def match(body: MediaMatchRequest, store: Annotated[Store, Depends(get_store)]) -> MediaMatchResponse:
    """Whether each item's hashes are on a (positive, not cancelled) hash list, and on which."""
    matcher = _repos.get(store).matcher
    results: list[Any] = matcher.match_many([item.model_dump() for item in body.items])
    return MediaMatchResponse(
        results=[
            ItemVerdict(
                matched=r.matched,
                matches=[
                    MatchedEntry(
                        list_name=m.list_name,
                        type=m.entry.signal_type,
                        distance=m.distance,
                        tags=list(m.tags),
                    )
                    for m in r.matches
                ],
                suppressed=len(r.suppressed),
                pdq_skipped=r.pdq_skipped,
            )
            for r in results
        ]
    )
