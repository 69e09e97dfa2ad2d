"""The export contract as data: each table's fields, their types, and the key making loads idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Table

from bastion.core.model import (
    AccountStatus,
    AgeBand,
    FollowSource,
    InteractionKind,
    PostKind,
    ReportTarget,
    SeedSource,
)
from bastion.ingest.fields import Choice, Count, FieldType, Flag, Instant, SemicolonList, Text, identifier
from bastion.ingest.media_field import MediaList
from bastion.store import tables


@dataclass(frozen=True)
class TableSpec:
    name: str
    table: Table
    fields: dict[str, FieldType]
    key: tuple[str, ...]
    #: (column, watched field): a column ingest stamps with the load time when the watched field changes
    stamp: tuple[str, str] | None = None

    @cached_property
    def required(self) -> list[str]:
        return [n for n, f in self.fields.items() if f.required]

    @cached_property
    def stored_fields(self) -> list[str]:
        """Fields that are columns of the table (``posts.media`` goes to its own table)."""
        return [n for n in self.fields if n in self.table.c]


def _values(enum: Any) -> list[str]:
    return [e.value for e in enum]


def build_specs(to_driver: Callable[[datetime], Any], *, sqlite: bool = False) -> dict[str, TableSpec]:
    """Specs bound to a dialect's timestamp form, so validated values go straight to the driver."""

    def at(required: bool = True) -> Instant:
        return Instant(to_driver, required=required, sqlite=sqlite)

    specs = [
        TableSpec(
            "accounts",
            tables.accounts,
            {
                "account_id": identifier(),
                "created_at": at(),
                "username": Text(),
                "display_name": Text(),
                "bio": Text(),
                "external_links": SemicolonList(),
                "age_band": Choice(_values(AgeBand), default="unknown"),
                "status": Choice(_values(AccountStatus), default="active"),
                "status_changed_at": at(required=False),
                "followers_count": Count(),
                "following_count": Count(),
            },
            ("platform", "account_id"),
            stamp=("status_seen_at", "status"),
        ),
        TableSpec(
            "follows",
            tables.follows,
            {
                "follower_id": identifier(),
                "followee_id": identifier(),
                "created_at": at(),
                "source": Choice(_values(FollowSource), default="unknown"),
            },
            ("platform", "follower_id", "followee_id"),
        ),
        TableSpec(
            "posts",
            tables.posts,
            {
                "post_id": identifier(),
                "account_id": identifier(),
                "created_at": at(),
                "kind": Choice(_values(PostKind), default="post"),
                "text": Text(),
                "hashtags": SemicolonList(strip_hash=True),
                "media": MediaList(),
            },
            ("platform", "post_id"),
        ),
        TableSpec(
            "interactions",
            tables.interactions,
            {
                "actor_id": identifier(),
                "target_account_id": identifier(),
                "kind": Choice(_values(InteractionKind), required=True),
                "count": Count(required=True),
                "first_at": at(),
                "last_at": at(),
                "post_id": Text(max_len=255, empty=""),
            },
            ("platform", "actor_id", "target_account_id", "kind", "post_id"),
        ),
        TableSpec(
            "messages",
            tables.messages,
            {
                "sender_id": identifier(),
                "recipient_id": identifier(),
                "count": Count(required=True),
                "first_at": at(),
                "last_at": at(),
                "initiated_by_sender": Flag(),
            },
            ("platform", "sender_id", "recipient_id"),
        ),
        TableSpec(
            "searches",
            tables.searches,
            {
                "account_id": identifier(),
                "query": Text(required=True),
                "created_at": at(),
                "results_shown": Count(),
            },
            ("platform", "account_id", "created_at", "query"),
        ),
        TableSpec(
            "recommendations",
            tables.recommendations,
            {
                "viewer_id": identifier(),
                "recommended_id": identifier(),
                "surface": Text(required=True, max_len=64),
                "shown_at": at(),
                "clicked": Flag(),
                "followed": Flag(),
            },
            ("platform", "viewer_id", "recommended_id", "surface", "shown_at"),
        ),
        TableSpec(
            "reports",
            tables.reports,
            {
                "report_id": identifier(),
                "reporter_id": identifier(),
                "target_type": Choice(_values(ReportTarget), required=True),
                "target_id": identifier(),
                "reason": Text(required=True),
                "created_at": at(),
                "text": Text(),
            },
            ("platform", "report_id"),
            stamp=("received_at", "report_id"),  # the key never changes: stamped once, when first stored
        ),
        TableSpec(
            "seeds",
            tables.seeds,
            {
                "account_id": identifier(),
                "reason": Text(required=True),
                "source": Choice(_values(SeedSource), default="analyst"),
            },
            ("platform", "account_id"),
        ),
    ]
    return {s.name: s for s in specs}


TABLE_NAMES = tuple(tables.EXPORT_TABLES)
