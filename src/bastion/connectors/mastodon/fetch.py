"""Fetching remote media named in a webhook (report attachments) or kept as evidence, bounded: http(s) only,
a size cap read while streaming, a timeout per network step, at most three redirects, each hop checked. By
default a host that resolves to a loopback, private, link-local or otherwise reserved address is refused, so a
status from another server cannot point Bastion at its own network (a remote ``remote_url`` is the poster's
choice); an operator whose Mastodon serves media from such an address allows it explicitly. The bytes are
handed to the caller and never written anywhere by this module."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 3


class FetchError(Exception):
    """The file was not fetched (scheme, address, size, status or network); the message says which.
    ``transient``: trying again later may work (network, 5xx, 429)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse anything but http(s), and (unless allowed) hosts on loopback, private or reserved addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"only http(s) media is fetched, not {url[:80]!r}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchError(f"cannot resolve {parts.hostname}: {exc}", transient=True) from exc
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{parts.hostname} resolves to non-public address {address}: refused "
                "(BASTION_MASTODON_MEDIA_PRIVATE_HOSTS allows it)"
            )


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    allow_private: bool = False,
    client: httpx.Client | None = None,
) -> bytes:
    """The body at ``url``, at most ``max_bytes`` long, within ``timeout`` seconds per network step."""
    http = client or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url, allow_private=allow_private)
            with http.stream("GET", url, timeout=timeout) as answer:
                if answer.is_redirect and "location" in answer.headers:
                    url = urljoin(url, answer.headers["location"])
                    continue
                return _body(answer, url, max_bytes)
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {url[:120]}")
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}", transient=True) from exc
    finally:
        if client is None:
            http.close()


def _body(answer: httpx.Response, url: str, max_bytes: int) -> bytes:
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
