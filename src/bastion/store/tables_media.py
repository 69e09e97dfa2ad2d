"""Tables of the media capability: hash lists ("banks"), their versioned entries and a change log.

Entries are never updated or deleted: a removal stamps ``removed_at``/``removed_by`` so the history of a list
stays answerable. ``media_changes`` numbers every add and removal; the on-disk index records the last number
it has applied, so on start it replays only the changes made since instead of rebuilding.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

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

__all__ = ["media_changes", "media_entries", "media_lists", "metadata"]
