"""The exchange's own ids of each synced signal (NCMEC: the member and the member's entry), one row per
(exchange, signal type, value). A hash that several entries list keeps every entry's ids, so a verdict votes
on each of them, and a deleted entry takes only its own ids away: the hash leaves the list when no entry
lists it any more."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select, tuple_, update

from bastion.store.tables_exchange import exchange_entries

Key = tuple[str, str]  # signal type, value
Ids = list[dict[str, Any]]
CHUNK = 500


def merged(new: Ids, old: Iterable[dict[str, Any]]) -> Ids:
    """``new`` plus the ``old`` ids of other records (one per record id, the newest kept)."""
    out = list(new)
    seen = {i.get("id") for i in new}
    for i in old:
        if i.get("id") not in seen:
            seen.add(i.get("id"))
            out.append(i)
    return out


def existing(engine: Engine, exchange: str, keys: Iterable[Key]) -> dict[Key, Ids]:
    """The ids kept now for these signals of the exchange."""
    wanted = list(keys)
    e = exchange_entries.c
    out: dict[Key, Ids] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), CHUNK):
            part = wanted[start : start + CHUNK]
            query = select(e.signal_type, e.value, e.remote_ids).where(
                e.exchange == exchange, tuple_(e.signal_type, e.value).in_(part)
            )
            for r in conn.execute(query):
                out[(r.signal_type, r.value)] = list(r.remote_ids or [])
    return out


def of_record(engine: Engine, exchange: str, record_id: str) -> list[tuple[str, str, Ids]]:
    """(type, value, the ids left without this record's) of every signal the record listed."""
    e = exchange_entries.c
    with engine.connect() as conn:
        rows = conn.execute(select(e.signal_type, e.value, e.remote_ids).where(e.exchange == exchange))
        return [
            (r.signal_type, r.value, [i for i in r.remote_ids if i.get("id") != record_id])
            for r in rows
            if any(i.get("id") == record_id for i in r.remote_ids or [])
        ]


def keep(engine: Engine, exchange: str, kind: str, value: str, ids: Ids) -> None:
    """Set the signal's ids to ``ids`` (another record still lists it)."""
    e = exchange_entries.c
    with engine.begin() as conn:
        conn.execute(
            update(exchange_entries)
            .where(e.exchange == exchange, e.signal_type == kind, e.value == value)
            .values(remote_ids=ids)
        )


__all__ = ["existing", "keep", "merged", "of_record"]
