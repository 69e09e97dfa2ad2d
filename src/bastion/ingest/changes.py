"""What a live event changed, for the change log: the row's key and the accounts it is about.

Catch-up reads these instead of the rows' tables: the term and media scans re-read only the keyed rows, and
detection starts from the accounts (a report on a post names the post; its author is found at catch-up).
"""

from __future__ import annotations

from typing import Any

from bastion.ingest.schema import TableSpec
from bastion.store.changes import report_change

#: Per export table, the fields naming accounts the row is about (the first is the row's subject).
ACCOUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id",),
    "follows": ("follower_id", "followee_id"),
    "posts": ("account_id",),
    "interactions": ("actor_id", "target_account_id"),
    "messages": ("sender_id", "recipient_id"),
    "searches": ("account_id",),
    "recommendations": ("viewer_id", "recommended_id"),
    "seeds": ("account_id",),
}


def describe(spec: TableSpec, row: tuple[Any, ...]) -> tuple[dict[str, str], list[str]]:
    """(key, accounts) of a validated row in the driver's form (``platform`` first, then stored fields)."""
    fields = spec.stored_fields
    value = {name: row[i + 1] for i, name in enumerate(fields)}
    if spec.name == "reports":  # as the report API writes one (``store.changes.report_change``)
        parts = ("report_id", "reporter_id", "target_type", "target_id")
        return report_change(*(_text(value[f]) if value.get(f) else "" for f in parts))
    key = {f: _text(value[f]) for f in spec.key[1:] if f in value}
    accounts = [_text(value[f]) for f in ACCOUNT_FIELDS.get(spec.name, ()) if value.get(f)]
    return key, list(dict.fromkeys(accounts))


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


__all__ = ["ACCOUNT_FIELDS", "describe"]
