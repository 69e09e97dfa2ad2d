"""What a partner's feed of shared signals may hold, checked signal by signal before anything is stored.

A partner runs its own Bastion, of its own version, perhaps with its own bug: a feed signed with the
partnership's key is still read as input, refused at the signal and field at fault (the signals before it are
kept, as each is stored as it comes), never half-read.
"""

from __future__ import annotations

from typing import Any

from bastion.core.errors import InputError
from bastion.core.timefmt import parse_instant
from bastion.media import normalise

HASHES = ("pdq", "video_md5", "video_sha256")
AS_IS = (*HASHES, "url")
IDENTIFIERS = ("username", "email", "account_id", "phone")
KINDS = (*AS_IS, *IDENTIFIERS)


def incoming_signal(raw: Any, where: str, k: int) -> dict[str, Any]:
    """The ``k``-th signal of the feed ``where`` names, as it is stored: a hash normalised as a published one
    is, an expiry with its zone (a time without one would be compared with the clock as another zone's)."""

    def bad(message: str, field: str | None = None) -> InputError:
        return InputError(message, file=where, line=k, field=field, unit="signal")

    if not isinstance(raw, dict):
        raise bad("a signal is a JSON object")
    for key, kind in (("seq", int), ("version", int), ("kind", str), ("value", str), ("category", str)):
        if not isinstance(raw.get(key), kind) or isinstance(raw.get(key), bool) or raw.get(key) == "":
            raise bad(f"{key} is required ({kind.__name__})", key)
    if raw["kind"] not in KINDS:
        raise bad(f"kind must be one of {', '.join(KINDS)}", "kind")
    if not isinstance(raw.get("retracted", False), bool):
        raise bad("retracted must be true or false", "retracted")
    expires = raw.get("expires_at")
    if expires is not None:
        try:
            expires = parse_instant(expires) if isinstance(expires, str) else None
        except ValueError as exc:
            raise bad(str(exc), "expires_at") from None
        if expires is None:
            raise bad("expires_at must be an ISO 8601 time with its zone", "expires_at")
    value = raw["value"]
    if raw["kind"] in HASHES:
        try:
            value = normalise(raw["kind"], value)
        except InputError as exc:
            raise bad(exc.message, "value") from None
    return {**raw, "value": value, "expires_at": expires, "retracted": bool(raw.get("retracted", False))}
