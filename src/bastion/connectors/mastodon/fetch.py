"""Fetching remote media named in a webhook (report attachments), bounded: http(s) only, a size cap read
while streaming, a timeout, a few redirects. The bytes are handed to the caller to hash and dropped."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx


class FetchError(Exception):
    """The file was not fetched (scheme, size, status or network); the message says which. ``transient``:
    trying again later may work (network, 5xx, 429)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def fetch(url: str, *, max_bytes: int, timeout: float, client: httpx.Client | None = None) -> bytes:
    """The body at ``url``, at most ``max_bytes`` long, within ``timeout`` seconds per network step."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"only http(s) media is fetched, not {url[:80]!r}")
    http = client or httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=3)
    try:
        with http.stream("GET", url, timeout=timeout) as answer:
            if answer.url.scheme not in ("http", "https"):
                raise FetchError(f"redirected off http(s) to {str(answer.url)[:80]!r}")
            if answer.status_code != 200:
                transient = answer.status_code >= 500 or answer.status_code == 429
                raise FetchError(f"HTTP {answer.status_code} for {url[:120]}", transient=transient)
            declared = answer.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{declared} bytes is over the {max_bytes}-byte limit")
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"over the {max_bytes}-byte limit")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}", transient=True) from exc
    finally:
        if client is None:
            http.close()
