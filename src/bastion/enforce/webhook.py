"""Webhook delivery of action events: HMAC-signed, retried with backoff, idempotent, dead-lettered.

The platform verifies ``Bastion-Signature`` (HMAC-SHA256 over ``timestamp + "." + body``) and de-duplicates
on ``Bastion-Delivery-Id``, so a retry after a lost answer never applies an action twice. A delivery that
keeps
failing goes to the dead-letter list after ``max_attempts``; an operator re-queues it once the receiver works,
and the platform can catch up by pulling events meanwhile.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from bastion.core.errors import InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.enforce.actions import ActionService
from bastion.enforce.settings import EnforceSettings
from bastion.store import Store
from bastion.store.tables_enforce import enforce_deliveries, enforce_events

SIGNATURE_HEADER = "Bastion-Signature"
TIMESTAMP_HEADER = "Bastion-Timestamp"
DELIVERY_HEADER = "Bastion-Delivery-Id"
MAX_BACKOFF_SECONDS = 3_600.0
RETRYABLE_STATUS = {408, 425, 429}


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(key: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver runs: constant-time comparison of the signature it got with the one it computes."""
    return hmac.compare_digest(sign(key, timestamp, body), signature)


@dataclass(frozen=True, slots=True)
class RoundResult:
    delivered: int = 0
    failed: int = 0  # will be retried
    dead: int = 0

    def __add__(self, other: RoundResult) -> RoundResult:
        return RoundResult(
            self.delivered + other.delivered, self.failed + other.failed, self.dead + other.dead
        )


@dataclass(frozen=True, slots=True)
class DeadLetter:
    delivery_id: str
    event_id: int
    attempts: int
    last_error: str


class WebhookDispatcher:
    def __init__(
        self,
        store: Store,
        url: str,
        key: bytes,
        *,
        max_attempts: int = 8,
        backoff_seconds: float = 2.0,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.store = store
        self.url = url
        self.key = key
        self.max_attempts = max_attempts
        self.backoff = backoff_seconds
        self.client = client or httpx.Client(timeout=timeout)
        self.actions = ActionService(store)

    def close(self) -> None:
        self.client.close()

    def backoff_for(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(MAX_BACKOFF_SECONDS, self.backoff * 2 ** max(0, attempts - 1)))

    def deliver_due(self, now: datetime | None = None, *, limit: int = 500) -> RoundResult:
        """One pass over the deliveries that are due; each outcome is committed on its own."""
        now = now or utcnow()
        query = (
            select(enforce_deliveries.c.delivery_id, enforce_deliveries.c.attempts)
            .where(enforce_deliveries.c.status == "pending", enforce_deliveries.c.next_attempt_at <= now)
            .order_by(enforce_deliveries.c.event_id)
            .limit(limit)
        )
        with self.store.engine.connect() as conn:
            due = list(conn.execute(query))
        result = RoundResult()
        for delivery_id, attempts in due:
            result += self._attempt(delivery_id, attempts)
        return result

    def drain(self, *, max_rounds: int = 100, sleep: Callable[[float], None] = time.sleep) -> RoundResult:
        """Deliver until nothing is pending (or every rest is dead-lettered), waiting out each backoff."""
        total = RoundResult()
        for _ in range(max_rounds):
            total += self.deliver_due()
            wait = self.next_due_in()
            if wait is None:
                break
            sleep(max(0.0, wait))
        return total

    def next_due_in(self) -> float | None:
        with self.store.engine.connect() as conn:
            nxt = conn.execute(
                select(func.min(enforce_deliveries.c.next_attempt_at)).where(
                    enforce_deliveries.c.status == "pending"
                )
            ).scalar()
        return None if nxt is None else (nxt - utcnow()).total_seconds()

    def _attempt(self, delivery_id: str, attempts: int) -> RoundResult:
        with self.store.engine.connect() as conn:
            event = self.actions.event_by_delivery(conn, delivery_id)
        body = json.dumps(event.as_json(), sort_keys=True, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: delivery_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.key, timestamp, body),
        }
        error: str | None = None
        permanent = False
        try:
            response = self.client.post(self.url, content=body, headers=headers)
            if not response.is_success:
                error = f"HTTP {response.status_code}"
                permanent = response.is_client_error and response.status_code not in RETRYABLE_STATUS
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts += 1
        now = utcnow()
        key = enforce_deliveries.c.delivery_id == delivery_id
        with self.store.engine.begin() as conn:
            if error is None:
                conn.execute(
                    update(enforce_deliveries)
                    .where(key)
                    .values(status="delivered", attempts=attempts, delivered_at=now, last_error=None)
                )
                return RoundResult(delivered=1)
            dead = permanent or attempts >= self.max_attempts
            conn.execute(
                update(enforce_deliveries)
                .where(key)
                .values(
                    status="dead" if dead else "pending",
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=now + self.backoff_for(attempts),
                )
            )
        return RoundResult(dead=1) if dead else RoundResult(failed=1)


def dead_letters(store: Store) -> list[DeadLetter]:
    query = (
        select(enforce_deliveries)
        .where(enforce_deliveries.c.status == "dead")
        .order_by(enforce_deliveries.c.event_id)
    )
    with store.engine.connect() as conn:
        return [
            DeadLetter(r.delivery_id, r.event_id, r.attempts, r.last_error or "") for r in conn.execute(query)
        ]


def requeue(store: Store, delivery_id: str) -> None:
    """Send a dead letter again (same delivery id, so a receiver that did get it ignores the repeat)."""
    with store.engine.begin() as conn:
        done = conn.execute(
            update(enforce_deliveries)
            .where(enforce_deliveries.c.delivery_id == delivery_id, enforce_deliveries.c.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=utcnow())
        ).rowcount
    if not done:
        raise NotFound(f"no dead-lettered delivery {delivery_id}")


def delivery_counts(store: Store, platform: str | None = None) -> dict[str, int]:
    query = select(enforce_deliveries.c.status, func.count()).group_by(enforce_deliveries.c.status)
    if platform is not None:
        query = query.join(enforce_events, enforce_events.c.event_id == enforce_deliveries.c.event_id).where(
            enforce_events.c.platform == platform
        )
    with store.engine.connect() as conn:
        return {status: int(n) for status, n in conn.execute(query)}


def action_delivery_status(store: Store, action_ids: list[int]) -> dict[int, str]:
    """Delivery status of each action's latest event: what "applied on the platform" rests on."""
    if not action_ids:
        return {}
    query = (
        select(enforce_events.c.action_id, enforce_events.c.event_id, enforce_deliveries.c.status)
        .join(enforce_deliveries, enforce_deliveries.c.event_id == enforce_events.c.event_id)
        .where(enforce_events.c.action_id.in_(action_ids))
        .order_by(enforce_events.c.event_id)
    )
    out: dict[int, str] = {}
    with store.engine.connect() as conn:
        for action_id, _event_id, status in conn.execute(query):
            out[action_id] = status
    return out


def dispatcher_for(store: Store, settings: EnforceSettings) -> WebhookDispatcher:
    """The dispatcher the operator configured (URL, signing key, retries); needs ``webhook_url``."""
    if not settings.webhook_url:
        raise InputError("BASTION_WEBHOOK_URL is not set", field="webhook_url")
    return WebhookDispatcher(
        store,
        settings.webhook_url,
        settings.webhook_key(),
        max_attempts=settings.webhook_max_attempts,
        backoff_seconds=settings.webhook_backoff_seconds,
        timeout=settings.webhook_timeout_seconds,
    )
