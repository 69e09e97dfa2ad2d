"""Instants: the export promises ISO 8601 with a zone; Bastion keeps everything in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

#: How far ahead of this server's clock a live event's time may be (clocks drift; an event is sent after
#: it happened): later is refused, as detection reads "dated after" a reviewer's verdict as new evidence.
CLOCK_SKEW = timedelta(minutes=5)


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


def ahead(value: datetime, now: datetime | None = None) -> str | None:
    """Why ``value`` cannot be the time of something that already happened, or None when it can."""
    limit = (now or utcnow()) + CLOCK_SKEW
    if value <= limit:
        return None
    minutes = CLOCK_SKEW.total_seconds() / 60
    return f"{iso(value)} is in the future (more than {minutes:g} minutes ahead of this server's clock)"
