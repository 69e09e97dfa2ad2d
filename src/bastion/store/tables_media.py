"""Tables of the media capability: the hashes of ingested media, hash lists ("banks"), their versioned entries
and a change log.

``media_hashes`` holds every hash of a media item as one row (item, hash type, value): a new hash type is a
new value of ``hash_type``, not a new column, migration and reader. Bank entries are long already
(``media_entries.signal_type``, ``value``).

Entries are never updated or deleted: a removal stamps ``removed_at``/``removed_by`` so the history of a list
stays answerable. ``media_changes`` numbers every add and removal; the on-disk index records the last number
it has applied, so on start it replays only the changes made since instead of rebuilding.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    select,
)

from bastion.store.tables import ID, media, metadata
from bastion.store.types import Instant, Json

media_hashes = Table(
    "media_hashes",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("post_id", ID, primary_key=True),
    Column("media_id", ID, primary_key=True),
    Column("hash_type", String(64), primary_key=True),  # the registered HashType's name (threatexchange's)
    Column("value", Text, nullable=False),  # normalised by the type's validate()
    Column("quality", Integer),  # the value's quality 0-100, for a type that has one (PDQ)
    ForeignKeyConstraint(
        ["platform", "post_id", "media_id"],
        ["media.platform", "media.post_id", "media.media_id"],
        ondelete="CASCADE",
    ),
)


def media_hash(hash_type: str, column: str = "value") -> ColumnElement[object]:
    """One type's hash (or its quality) of the ``media`` row in the query, as a column: how a reader that
    wants a single type (a preview wants the PDQ) reads the long table."""
    h = media_hashes.alias(f"media_hash_{hash_type}")
    return (
        select(h.c[column])
        .where(
            and_(
                h.c.platform == media.c.platform,
                h.c.post_id == media.c.post_id,
                h.c.media_id == media.c.media_id,
                h.c.hash_type == hash_type,
            )
        )
        .scalar_subquery()
        .label(hash_type if column == "value" else f"{hash_type}_{column}")
    )


media_lists = Table(
    "media_lists",
    metadata,
    Column("list_id", Integer, primary_key=True, autoincrement=True),
    Column("name", ID, nullable=False, unique=True),
    Column("threshold", Integer, nullable=False, server_default="31"),  # PDQ distance that still matches
    Column("negative", Boolean, nullable=False, server_default="0"),  # known false positives: suppress
    Column("note", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
)

media_entries = Table(
    "media_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("list_id", Integer, ForeignKey("media_lists.list_id", ondelete="CASCADE"), nullable=False),
    Column("signal_type", String(64), nullable=False),  # threatexchange SignalType.get_name()
    Column("value", Text, nullable=False),
    Column("tags", Json, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("added_by", Text, nullable=False),
    Column("added_at", Instant, nullable=False),
    Column("removed_by", Text),
    Column("removed_at", Instant),
    Index("ix_media_entries_list", "list_id", "signal_type"),
    Index("ix_media_entries_value", "signal_type", "value"),
)

media_changes = Table(
    "media_changes",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("media_entries.entry_id", ondelete="CASCADE"), nullable=False),
    Column("op", String(8), nullable=False),  # add | remove
    Column("at", Instant, nullable=False),
)

__all__ = ["media_changes", "media_entries", "media_hash", "media_hashes", "media_lists", "metadata"]
