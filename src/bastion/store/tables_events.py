"""The live event API's ledger: one row per accepted event id, so a replayed event is answered from here
(the same acknowledgement) and its row is never written twice; and the ordered log of what the events
changed, with each consumer's checkpoint in it, so scans and detection catch up on only the new rows."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

ingest_events = Table(
    "ingest_events",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("event_id", ID, primary_key=True),
    Column("table_name", String(64), nullable=False),
    Column("received_at", Instant, nullable=False),
)

#: What each accepted live event changed, in commit order: ``seq`` only grows, and a writer takes it inside
#: the transaction that stores the rows (serialised on PostgreSQL by an advisory lock), so everything at or
#: below a seq read later is committed. Catch-up reads the changes after its checkpoint instead of rescanning.
ingest_changes = Table(
    "ingest_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("table_name", String(64), nullable=False),
    Column("row_key", Json, nullable=False),  # the row's key fields (and a report's target), as text
    Column("accounts", Json, nullable=False),  # the accounts the row is about
    Column("received_at", Instant, nullable=False),
    Index("ix_ingest_changes_platform", "platform", "seq"),
)

#: How far each consumer (a scan, detection) has processed a platform's changes.
catchup_checkpoints = Table(
    "catchup_checkpoints",
    metadata,
    Column("consumer", String(64), primary_key=True),
    Column("platform", ID, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("updated_at", Instant, nullable=False),
)
