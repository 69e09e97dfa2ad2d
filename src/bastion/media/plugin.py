"""The media capability's manifest: hashing, hash lists and matching the platform's media against them."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, OptionalFeature
from bastion.media.kinds import HASH_MATCH
from bastion.media.service import refresh_stale


def _service(b: Any) -> object:
    """Scans over the process's one live matcher (``.repository``), which the exchange capability shares."""
    from bastion.media.live import LockedRepository
    from bastion.media.service import MediaMatcher

    repo = LockedRepository(b.store)
    return MediaMatcher(b.store, repo.matcher, repository=repo)


def _commands(app: Any) -> None:
    from bastion.cli.media_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import media

    return media


def _demo(ctx: Any) -> None:
    from bastion.demo.media import demo_step

    demo_step(ctx)


CAPABILITY = Capability(
    name="media",
    summary="PDQ, vPDQ, MD5 and SHA-256 hashes matched against hash lists, with negative lists",
    order=20,
    service=_service,
    commands=_commands,
    router=_router,
    demo=(("known media: hashing, hash lists, negative lists, rotations, platform scan", _demo),),
    refresh=refresh_stale,
    signal_kinds=(HASH_MATCH,),
    migrations="media",
    optional=(OptionalFeature("video hashing (vPDQ)", "vpdq", "bash scripts/install-vpdq.sh"),),
)
