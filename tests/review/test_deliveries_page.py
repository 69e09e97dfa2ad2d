"""The console shows enforcement actions that never reached the platform, and a lead can send them again."""

from __future__ import annotations

from bastion.enforce.actions import ActionService
from bastion.enforce.model import ActionKind, Decision
from bastion.enforce.webhook import WebhookDispatcher, dead_letters
from bastion.review.service import Review
from review.support import PLATFORM, add_user, client_for, login, seed_platform


def test_dead_letters_are_listed_and_requeued(review: Review) -> None:
    seed_platform(review.store)
    ActionService(review.store).apply(
        PLATFORM, "acct-a", [ActionKind.DISABLE_ACCOUNT], Decision("lee", "sells a list", "CS-1")
    )
    closed_port = WebhookDispatcher(
        review.store, "http://127.0.0.1:9/hook", b"k" * 32, max_attempts=1, timeout=1
    )
    closed_port.drain(sleep=lambda _s: None)
    closed_port.close()
    [dead] = dead_letters(review.store)
    add_user(review, "lee", "lead")
    add_user(review, "rev", "reviewer")
    with client_for(review) as client:
        login(client, "rev")
        assert client.get("/deliveries").status_code == 403  # reviewers see cases, not enforcement plumbing
    with client_for(review) as client:
        csrf = login(client, "lee")
        page = client.get("/deliveries")
        assert page.status_code == 200 and dead.delivery_id in page.text and "not in force" in page.text
        assert client.post(f"/deliveries/{dead.delivery_id}/requeue").status_code == 403  # no CSRF token
        sent = client.post(
            f"/deliveries/{dead.delivery_id}/requeue", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert sent.status_code == 303
    assert dead_letters(review.store) == []
