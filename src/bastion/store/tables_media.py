"""Tables of the media capability (filled by its migration `media` in migrations/versions/)."""

from __future__ import annotations

from bastion.store.tables import metadata

__all__ = ["metadata"]
