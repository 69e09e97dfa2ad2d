"""Read-only queries over the hash lists (what is listed, where a hash is held, index sizes), kept apart
from :mod:`bastion.media.repository`, which writes them and keeps the matcher in step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bastion.media.banks import BankEntry, normalise, signal_type_name
from bastion.media.stored import ListInfo, StoredEntry
from bastion.store import Store
from bastion.store.tables_media import media_changes, media_entries, media_lists

_ENTRY_COLS = (
    media_entries.c.entry_id,
    media_lists.c.name,
    media_entries.c.signal_type,
    media_entries.c.value,
    media_entries.c.tags,
    media_entries.c.note,
    media_entries.c.added_by,
    media_entries.c.added_at,
    media_entries.c.removed_by,
    media_entries.c.removed_at,
)


def _stored(row: Any) -> StoredEntry:
    return StoredEntry(
        row.entry_id, row.name, row.signal_type, row.value, tuple(row.tags or ()), row.note, row.added_by,
        row.added_at, row.removed_by, row.removed_at,
    )  # fmt: skip


class ListReads:
    """Queries a :class:`~bastion.media.repository.BankRepository` answers (it holds ``store``)."""

    store: Store

    def lists(self) -> list[ListInfo]:
        live = (
            select(media_entries.c.list_id, func.count().label("n"))
            .where(media_entries.c.removed_at.is_(None))
            .group_by(media_entries.c.list_id)
            .subquery()
        )
        query = (
            select(media_lists, func.coalesce(live.c.n, 0).label("n"))
            .outerjoin(live, live.c.list_id == media_lists.c.list_id)
            .order_by(media_lists.c.name)
        )
        with self.store.engine.connect() as conn:
            return [
                ListInfo(r.name, r.threshold, r.negative, r.note, r.created_by, r.created_at, int(r.n))
                for r in conn.execute(query)
            ]

    def entries(self, list_name: str | None = None, *, history: bool = False) -> list[StoredEntry]:
        query = select(*_ENTRY_COLS).join(media_lists, media_lists.c.list_id == media_entries.c.list_id)
        if list_name is not None:
            query = query.where(media_lists.c.name == list_name)
        if not history:
            query = query.where(media_entries.c.removed_at.is_(None))
        with self.store.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(query.order_by(media_entries.c.entry_id))]

    def holding(
        self, signal_type: str, value: str, *, active: bool = True, negative: bool | None = None
    ) -> list[tuple[str, int]]:
        """(list name, entry id) of the lists that hold this hash: what an exchange or a verdict acts on."""
        kind = signal_type_name(signal_type)
        query = (
            select(media_lists.c.name, media_entries.c.entry_id)
            .join(media_lists, media_lists.c.list_id == media_entries.c.list_id)
            .where(media_entries.c.signal_type == kind, media_entries.c.value == normalise(kind, value))
            .order_by(media_lists.c.name, media_entries.c.entry_id)
        )
        if active:
            query = query.where(media_entries.c.removed_at.is_(None))
        if negative is not None:
            query = query.where(media_lists.c.negative.is_(negative))
        with self.store.engine.connect() as conn:
            return [(str(name), int(entry_id)) for name, entry_id in conn.execute(query)]

    def index_sizes(self) -> tuple[dict[str, int], datetime | None]:
        """Active entries per hash type, and when the lists last changed (what an index status reports)."""
        with self.store.engine.connect() as conn:
            sizes = {
                str(kind): int(n)
                for kind, n in conn.execute(
                    select(media_entries.c.signal_type, func.count())
                    .where(media_entries.c.removed_at.is_(None))
                    .group_by(media_entries.c.signal_type)
                )
            }
            last = conn.execute(select(func.max(media_changes.c.at))).scalar()
        return sizes, last

    def lookup(self, entry_ids: Sequence[int]) -> dict[int, BankEntry]:
        """Entry details for the few entries a query hit (the matcher keeps only ids)."""
        out: dict[int, BankEntry] = {}
        with self.store.engine.connect() as conn:
            for s in range(0, len(entry_ids), 500):
                query = (
                    select(*_ENTRY_COLS)
                    .join(media_lists, media_lists.c.list_id == media_entries.c.list_id)
                    .where(media_entries.c.entry_id.in_(list(entry_ids[s : s + 500])))
                )
                out.update((r.entry_id, _stored(r).as_bank_entry()) for r in conn.execute(query))
        return out


__all__ = ["ListReads"]
