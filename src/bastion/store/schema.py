"""Every table Bastion has, core and capabilities: what migrations and schema checks compare against."""

from __future__ import annotations

from bastion.store import (  # noqa: F401  (registers their tables)
    tables_enforce,
    tables_events,
    tables_exchange,
    tables_graph,
    tables_media,
    tables_review,
    tables_terms,
)
from bastion.store.tables import metadata

__all__ = ["metadata"]
