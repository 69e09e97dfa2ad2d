"""Entities and signals as every capability sees them.

The platform-export contract (``shared/spec/platform-export.md``) defines the vocabulary; these enums are its
closed sets. Whatever a capability learns about an entity becomes a :class:`Signal` with its evidence, so the
detector, the review queue and the guards can all read it without knowing who produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bastion.core.signals import SignalKind, lookup

#: The platform review's pipeline canary writes its test reports under (``review/health.py``): Bastion's
#: own, never one a command picks by default when the database holds a single real platform.
CANARY_PLATFORM = "bastion-canary"


class EntityType(StrEnum):
    ACCOUNT = "account"
    POST = "post"
    MEDIA = "media"
    TERM = "term"
    SEARCH = "search"


class AgeBand(StrEnum):
    MINOR = "minor"
    ADULT = "adult"
    UNKNOWN = "unknown"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"
    DELETED = "deleted"


class FollowSource(StrEnum):
    SEARCH = "search"
    RECOMMENDATION = "recommendation"
    PROFILE = "profile"
    UNKNOWN = "unknown"


class PostKind(StrEnum):
    POST = "post"
    STORY = "story"
    REEL = "reel"
    COMMENT = "comment"


class InteractionKind(StrEnum):
    LIKE = "like"
    COMMENT = "comment"
    VIEW = "view"
    SHARE = "share"


class ReportTarget(StrEnum):
    ACCOUNT = "account"
    POST = "post"
    MEDIA = "media"
    HASHTAG = "hashtag"
    SEARCH_TERM = "search_term"


class SeedSource(StrEnum):
    REPORT = "report"
    HASH_MATCH = "hash_match"
    TERM_MATCH = "term_match"
    PARTNER_SIGNAL = "partner_signal"
    ANALYST = "analyst"


@dataclass(frozen=True, slots=True)
class Signal:
    """Something a capability learned about one entity, with the facts a reviewer can check.

    ``key`` makes re-running a scan idempotent: the same (platform, entity, kind, source, key) is one row.
    ``kind`` is a declared :class:`~bastion.core.signals.SignalKind`; a name (a stored row) is looked up.
    """

    platform: str
    entity_type: EntityType
    entity_id: str
    kind: SignalKind
    source: str
    score: float
    evidence: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, SignalKind):
            object.__setattr__(self, "kind", lookup(self.kind))
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"signal score must be in [0, 1], got {self.score}")
