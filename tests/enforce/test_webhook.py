"""Webhook delivery: signed, retried until a failing receiver recovers, idempotent, dead-lettered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bastion.enforce.actions import ActionService
from bastion.enforce.model import ActionKind, Decision
from bastion.enforce.webhook import WebhookDispatcher, dead_letters, delivery_counts, requeue, sign, verify
from bastion.store import Store

from .fakes import backoff_waits, receiver

KEY = b"a-test-webhook-secret-0123456789"


def _actions(store: Store, n: int) -> list[int]:
    svc = ActionService(store)
    return [
        svc.apply("p", f"a{i}", [ActionKind.DISABLE_ACCOUNT], Decision("rev", "r", "CS-1"))[0]
        for i in range(n)
    ]


def test_signature_round_trip_and_tamper() -> None:
    sig = sign(KEY, "1700000000", b'{"a":1}')
    assert verify(KEY, "1700000000", b'{"a":1}', sig)
    assert not verify(KEY, "1700000000", b'{"a":2}', sig)
    assert not verify(b"another-key-0123456789", "1700000000", b'{"a":1}', sig)


def test_failing_receiver_recovers_and_every_event_arrives_once(store: Store) -> None:
    _actions(store, 3)
    waits: list[float] = []
    with receiver(KEY, fail_first=4) as (url, state):
        d = WebhookDispatcher(store, url, KEY, max_attempts=6, backoff_seconds=0.01)
        result = d.drain(sleep=backoff_waits(waits))
        d.close()
    assert result.delivered == 3 and result.dead == 0 and result.failed >= 1
    assert state.bad_signatures == 0
    assert sorted(e["account_id"] for e in state.applied) == ["a0", "a1", "a2"]
    assert delivery_counts(store) == {"delivered": 3}
    assert waits, "backoff waits happened between rounds"


def test_backoff_doubles() -> None:
    d = WebhookDispatcher.__new__(WebhookDispatcher)
    d.backoff = 2.0
    assert [d.backoff_for(k) for k in (1, 2, 3)] == [timedelta(seconds=s) for s in (2, 4, 8)]


def test_dead_letter_then_requeue_is_idempotent_at_the_receiver(store: Store) -> None:
    _actions(store, 1)
    with receiver(KEY, fail_first=100) as (url, state):
        d = WebhookDispatcher(store, url, KEY, max_attempts=2, backoff_seconds=0.001)
        result = d.drain(sleep=backoff_waits())
        assert result.dead == 1
        (dead,) = dead_letters(store)
        assert dead.attempts == 2 and "503" in dead.last_error
        state.fail_first = 0
        requeue(store, dead.delivery_id)
        d.drain(sleep=backoff_waits())
        requeue_again = dead_letters(store)
        d.close()
    assert requeue_again == []
    assert len(state.applied) == 1 and list(state.seen) == [dead.delivery_id]


def test_wrong_key_is_refused_by_the_receiver_and_not_retried_forever(store: Store) -> None:
    _actions(store, 1)
    with receiver(KEY) as (url, state):
        d = WebhookDispatcher(
            store, url, b"the-wrong-key-for-this-receiver", max_attempts=5, backoff_seconds=0.001
        )
        result = d.drain(sleep=backoff_waits())
        d.close()
    assert state.bad_signatures == 1 and result.dead == 1  # 401 is permanent: dead-lettered at once


def test_doctor_fails_while_deliveries_are_dead_lettered(
    store: Store, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform never received a dead-lettered action: `bastion doctor` says so and exits 1."""
    import typer
    from typer.testing import CliRunner

    from bastion.cli import review_cmd

    app = typer.Typer()
    review_cmd.register(app)
    monkeypatch.setenv("BASTION_ENV", "development")
    _actions(store, 1)
    with receiver(KEY, fail_first=100) as (url, _state):
        d = WebhookDispatcher(store, url, KEY, max_attempts=1, backoff_seconds=0.001)
        assert d.drain(sleep=backoff_waits()).dead == 1
        d.close()
    failing = CliRunner().invoke(app, ["doctor", "--db", db_url])
    assert failing.exit_code == 1 and "1 dead-lettered" in failing.output
    requeue(store, dead_letters(store)[0].delivery_id)
    assert CliRunner().invoke(app, ["doctor", "--db", db_url]).exit_code == 0
