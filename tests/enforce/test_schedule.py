"""Enforcement's scheduled passes: re-checks and deliveries happen without anyone asking."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bastion.enforce.model import Decision
from bastion.enforce.schedule import deliver_due, recheck_platforms
from bastion.enforce.settings import EnforceSettings
from bastion.enforce.takedown import Takedowns
from bastion.store import Store

from .fakes import receiver
from .world import small_world

KEY = "schedule-webhook-secret-0123456789abcdef"


def test_passes_recheck_and_deliver(store: Store, tmp_path: Path) -> None:
    platform, networks = small_world(store, tmp_path)
    Takedowns(store).apply(networks[0], Decision("lead", "network selling prohibited material", "CS-1.2"))
    quiet = EnforceSettings(env="development")
    assert recheck_platforms(store, quiet)[platform.truth.platform] > 0
    assert deliver_due(store, quiet) == 0  # no webhook: actions are pulled by API
    with receiver(KEY.encode(), fail_first=1) as (url, hook):
        settings = EnforceSettings(
            env="development", webhook_url=url, webhook_secret=SecretStr(KEY), webhook_backoff_seconds=0.0
        )
        first = deliver_due(store, settings)
        second = deliver_due(store, settings)  # the failed first attempt is due again and goes through
    assert first + second == len(hook.applied) > 0
    assert {e["action"] for e in hook.applied} >= {"disable_account"}
