"""Shared helpers for the review, API and console tests: a service over the test store, people, tokens,
logins and small report batches (neutral, invented values only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from bastion.api.service import create_app
from bastion.core.model import EntityType, Signal
from bastion.graph.kinds import NETWORK_MEMBER
from bastion.review.service import Review
from bastion.review.settings import ReviewSettings
from bastion.store import Store
from bastion.store.tables import accounts, platforms, posts
from support.system import around

PASSWORD = "correct-horse-battery-1"
PLATFORM = "pinegrove"
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def settings(**overrides: Any) -> ReviewSettings:
    values: dict[str, Any] = {
        "env": "development",
        "secret_key": "test-secret-key-0123456789",
        "second_review_rate": 0.0,
        "queue_bound_seconds": 60.0,
    }
    return ReviewSettings(**(values | overrides)).checked()


def make_review(store: Store, **overrides: Any) -> Review:
    return Review(store, settings(**overrides))


@contextmanager
def client_for(review: Review) -> Iterator[TestClient]:
    with TestClient(
        create_app(around(review), start_workers=False),
        base_url="http://127.0.0.1",
    ) as client:
        yield client


def add_user(review: Review, name: str, role: str) -> str:
    review.auth.add_user(name, role, PASSWORD)
    return PASSWORD


def post_login(client: TestClient, name: str, password: str) -> httpx.Response:
    """Submit the login form as a browser would (with the form's CSRF token and cookie); no redirect."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form (with its login CSRF cookie); returns the session's CSRF token."""
    answer = post_login(client, name, password)
    assert answer.status_code == 303 and "error" not in answer.headers["location"], answer.headers
    page = client.get(answer.headers["location"])
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)


def report(report_id: str, target: str, reason: str = "child_safety", **extra: Any) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "reporter_id": f"rep-{report_id}",
        "target_type": "account",
        "target_id": target,
        "reason": reason,
        "created_at": "2024-03-01T12:00:00Z",
        **extra,
    }


def seed_platform(store: Store, *, minor: str | None = None) -> None:
    """Three accounts, one post with media, and a detected network {acct-a, acct-b}."""
    with store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name=PLATFORM, first_seen_at=T0))
        conn.execute(
            accounts.insert(),
            [
                {
                    "platform": PLATFORM,
                    "account_id": a,
                    "created_at": T0,
                    "username": f"user_{a}",
                    "age_band": "minor" if a == minor else "adult",
                }
                for a in ("acct-a", "acct-b", "acct-c")
            ],
        )
        conn.execute(
            posts.insert().values(
                platform=PLATFORM,
                post_id="post-1",
                account_id="acct-c",
                created_at=T0,
                text="bluefinch tidelamp",
            )
        )
    member = {"network_id": "net-1", "role": "seller", "run_id": 1}
    store.signals.add(
        Signal(PLATFORM, EntityType.ACCOUNT, a, NETWORK_MEMBER, "graph", 0.8, member, created_at=T0)
        for a in ("acct-a", "acct-b")
    )


NETWORK_ROLES = {"acct-s": "seller", "acct-b": "buyer", "acct-f": "facilitator", "acct-u": "unknown"}


def seed_network(store: Store) -> None:
    """Four accounts in network net-7, one per role (the detector's ``unknown`` is a plain member)."""
    with store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name=PLATFORM, first_seen_at=T0))
        conn.execute(
            accounts.insert(),
            [{"platform": PLATFORM, "account_id": a, "created_at": T0, "username": a} for a in NETWORK_ROLES],
        )
    store.signals.add(
        Signal(
            PLATFORM,
            EntityType.ACCOUNT,
            a,
            NETWORK_MEMBER,
            "graph",
            0.8,
            {"network_id": "net-7", "role": role, "run_id": 1},
            created_at=T0,
        )
        for a, role in NETWORK_ROLES.items()
    )
