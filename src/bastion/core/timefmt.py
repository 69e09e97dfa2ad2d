"""Instants: the export promises ISO 8601 with a zone; Bastion keeps everything in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries a zone; naive times are refused, not guessed."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone (use Z or +hh:mm)")
    return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    """The export's own spelling: ``2023-06-07T12:00:00Z``."""
    text = value.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"
