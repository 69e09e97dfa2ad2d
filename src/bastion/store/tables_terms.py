"""Tables of the terms capability (filled by its migration `terms` in migrations/versions/)."""

from __future__ import annotations

from bastion.store.tables import metadata

__all__ = ["metadata"]
