"""Every table Bastion has, core and capabilities: what migrations and schema checks compare against."""

from __future__ import annotations

from bastion.store import tables_graph, tables_media, tables_terms  # noqa: F401  (registers their tables)
from bastion.store.tables import metadata

__all__ = ["metadata"]
