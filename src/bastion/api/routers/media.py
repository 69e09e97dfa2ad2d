"""``POST /v1/media/match``: hashes a platform computed at upload time, matched against the hash lists.

A connector (the Synapse module) hashes an upload where the bytes are and sends only the hashes here, so no
media byte reaches Bastion and the lists never leave it; negative lists are respected (a cancelled match is
answered as not matched, with ``suppressed`` counting what was cancelled). It matches through the media
service's live repository, the process's one index (scans and the exchange read the same); changes to the
lists take effect at the next request (the change log is replayed first, one query, under the index's lock).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bastion.api.access import authorise
from bastion.api.state import app_store
from bastion.media import LockedRepository

HEX_PDQ = r"^[0-9a-fA-F]{64}$"


def live_repository(request: Request) -> LockedRepository:
    """The media service's live repository; a router mounted without the service answers 503."""
    app_store(request, "media")
    repository: LockedRepository = request.app.state.bastion.service("media").repository
    return repository


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
def match(
    body: MediaMatchRequest, repository: Annotated[LockedRepository, Depends(live_repository)]
) -> MediaMatchResponse:
    """Whether each item's hashes are on a (positive, not cancelled) hash list, and on which."""
    results = repository.match_many([item.model_dump() for item in body.items])
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
