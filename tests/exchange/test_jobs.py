"""The exchange capability's scheduled jobs, run as the service's leader runs them (with the façade): the
policy list is published only when configured; the sweep and the verdicts run through the service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bastion.exchange import ExchangeSettings
from bastion.exchange.jobs import (
    partners,
    policylist_every,
    publish_policy_list,
    pull_every,
    send_verdicts,
    sweep_floods,
    sync_exchanges,
)
from bastion.review import Review
from bastion.system import Bastion


@pytest.fixture
def system(review: Review, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bastion]:
    for name in ("HOMESERVER_URL", "TOKEN_FILE"):
        monkeypatch.delenv(f"BASTION_EXCHANGE_POLICYLIST_{name}", raising=False)
    monkeypatch.setenv("BASTION_EXCHANGE_POLICYLIST_INTERVAL_SECONDS", "120")
    b = Bastion(store=review.store, services={"review": review})
    yield b
    b.close()


def test_an_unconfigured_policy_list_is_not_published(system: Bastion) -> None:
    assert publish_policy_list(system) is None
    assert policylist_every(system) == 120.0 and pull_every(system) == 900.0


def test_the_service_jobs_run_with_the_facade(system: Bastion) -> None:
    assert sync_exchanges(system) == [] and sweep_floods(system) == [] and send_verdicts(system) == 0


def test_only_partners_with_a_key_and_a_token_are_pulled() -> None:
    s = ExchangeSettings(partner_keys={"a": "k", "b": "k"}, partner_tokens={"b": "t", "c": "t"})
    assert partners(s) == ["b"]


def test_the_manifest_declares_the_exchange_jobs_with_their_settings(system: Bastion) -> None:
    every = {j.name: j.every(system) for j in system.capability("exchange").jobs}
    assert every == {
        "exchange-sync": 3600.0,
        "flood-sweep": 20.0,
        "exchange-verdicts": 20.0,
        "policylist-publish": 120.0,
        "shared-signal-pull": 900.0,
    }
