"""Mastodon's webhook signature: ``X-Hub-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw request body
under the webhook's secret (adopted from WebSub). Checked before the body is parsed, in constant time."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature"


class BadSignature(Exception):
    """The request is not from the Mastodon server: ``status`` 401 (no signature) or 403 (a wrong one)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def sign(secret: bytes, body: bytes) -> str:
    """The header value Mastodon sends for ``body`` (tests and stand-ins use it too)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> None:
    """Return quietly when ``header`` signs ``body``; raise :class:`BadSignature` otherwise."""
    if not header or not header.strip():
        raise BadSignature(f"missing {HEADER} header (sha256=<hex HMAC of the body>)", 401)
    algorithm, _, given = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not given:
        raise BadSignature(f"{HEADER} must be sha256=<hex>, got algorithm {algorithm[:20]!r}", 403)
    expected = sign(secret, body).partition("=")[2]
    if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
        raise BadSignature(f"{HEADER} does not match the body under the configured webhook secret", 403)
