"""Bastion's HTTP API as the connector uses it (blocking calls: the module runs them in Synapse's thread
pool). Any failure to get an answer is :class:`Unreachable`, which the caller handles by policy."""

from __future__ import annotations

from typing import Any

import httpx


class Unreachable(Exception):
    """Bastion did not answer (down, timed out, 5xx): the caller queues, retries or applies its policy."""


class BastionClient:
    def __init__(
        self, url: str, token: str, *, timeout: float = 3.0, http: httpx.Client | None = None
    ) -> None:
        """``http``: a ready client (tests pass FastAPI's TestClient); it gets the token header."""
        self._http = http or httpx.Client(base_url=url, timeout=timeout)
        self._http.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        if answer.status_code >= 500 or answer.status_code in (401, 403, 408, 429):
            raise Unreachable(f"{method} {path}: HTTP {answer.status_code} {answer.text[:200]}")
        return answer

    def match_terms(self, texts: list[str], field: str = "text") -> list[list[dict[str, Any]]]:
        """Lexicon matches per text (empty list: no match)."""
        if not texts:
            return []
        answer = self._call("POST", "/v1/terms/match", json={"texts": texts, "field": field})
        answer.raise_for_status()
        return [r["matches"] for r in answer.json()["results"]]

    def match_media(self, hashes: dict[str, Any]) -> dict[str, Any]:
        """``{"matched", "matches", "suppressed"}`` for one upload's hashes."""
        answer = self._call("POST", "/v1/media/match", json={"items": [hashes]})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()["results"][0]
        return result

    def check_contact(self, sender_id: str, recipient_id: str) -> str:
        """The contact guard's action for an invite: allow, warn, hold or block."""
        body = {"sender_id": sender_id, "recipient_id": recipient_id, "kind": "message"}
        answer = self._call("POST", "/v1/guard/contact", json=body)
        answer.raise_for_status()
        return str(answer.json()["action"])

    def post_events(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Acks per event (stored or rejected); raises Unreachable if nothing was acknowledged."""
        answer = self._call("POST", "/v1/events", json={"events": events})
        if answer.status_code not in (200, 207, 422):
            raise Unreachable(f"POST /v1/events: HTTP {answer.status_code} {answer.text[:200]}")
        items: list[dict[str, Any]] = answer.json().get("items", [])
        return items

    def post_reports(self, reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
        answer = self._call("POST", "/v1/reports", json={"reports": reports})
        if answer.status_code not in (200, 207, 422):
            raise Unreachable(f"POST /v1/reports: HTTP {answer.status_code} {answer.text[:200]}")
        items: list[dict[str, Any]] = answer.json().get("items", [])
        return items

    def pull_actions(self, since: int) -> tuple[list[dict[str, Any]], int]:
        answer = self._call("GET", "/v1/actions", params={"since": since})
        answer.raise_for_status()
        body = answer.json()
        return body["events"], int(body["next"])

    def close(self) -> None:
        self._http.close()
