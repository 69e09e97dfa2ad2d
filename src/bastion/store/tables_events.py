"""The live event API's ledger: one row per accepted event id, so a replayed event is answered from here
(the same acknowledgement) and its row is never written twice."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant

ingest_events = Table(
    "ingest_events",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("event_id", ID, primary_key=True),
    Column("table_name", String(64), nullable=False),
    Column("received_at", Instant, nullable=False),
)
