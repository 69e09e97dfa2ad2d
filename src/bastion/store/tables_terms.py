"""Tables of the terms capability: lexicons, their versioned entries and allowlists, discovery decisions.

Entries are never updated or deleted: a removal stamps ``removed_at``/``removed_by`` and a changed row is a
removal plus a new row, so "who added what, when, and who took it out" can always be answered. The active
lexicon is the rows with ``removed_at IS NULL``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

term_lexicons = Table(
    "term_lexicons",
    metadata,
    Column("lexicon_id", Integer, primary_key=True, autoincrement=True),
    Column("name", ID, nullable=False, unique=True),
    Column("source", Text, nullable=False, server_default=""),  # partner or origin of the list
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_by", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
)

term_entries = Table(
    "term_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("lexicon_id", Integer, ForeignKey("term_lexicons.lexicon_id", ondelete="CASCADE"), nullable=False),
    Column("term", Text, nullable=False),
    Column("category", String(128), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("match", String(16), nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("added_by", Text, nullable=False),
    Column("added_at", Instant, nullable=False),
    Column("removed_by", Text),
    Column("removed_at", Instant),
    Index("ix_term_entries_lexicon", "lexicon_id", "term"),
)

term_allow = Table(
    "term_allow",
    metadata,
    Column("allow_id", Integer, primary_key=True, autoincrement=True),
    Column("lexicon_id", Integer, ForeignKey("term_lexicons.lexicon_id", ondelete="CASCADE"), nullable=False),
    Column("phrase", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("added_by", Text, nullable=False),
    Column("added_at", Instant, nullable=False),
    Column("removed_by", Text),
    Column("removed_at", Instant),
    Index("ix_term_allow_lexicon", "lexicon_id", "phrase"),
)

term_candidates = Table(
    "term_candidates",
    metadata,
    Column("key", ID, primary_key=True),  # skeleton: one decision covers every spelling of it
    Column("item", Text, nullable=False),  # most frequent spelling when last proposed
    Column("platform", ID),  # where it was last proposed (none when typed in by an operator)
    Column("status", String(16), nullable=False),  # proposed | accepted | rejected
    Column("score", Float, nullable=False),
    Column("lift", Float, nullable=False),
    Column("support", Integer, nullable=False),
    Column("background", Integer, nullable=False),
    Column("evidence", Json, nullable=False),  # examples and the categories of co-occurring terms
    Column("proposed_at", Instant, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", Instant),
    Column("lexicon_id", Integer, ForeignKey("term_lexicons.lexicon_id", ondelete="SET NULL")),
)

__all__ = ["metadata", "term_allow", "term_candidates", "term_entries", "term_lexicons"]
