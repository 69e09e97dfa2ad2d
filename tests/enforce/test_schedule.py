"""`bastion serve` follow-through schedule: re-checks, deliveries and purges happen without anyone asking."""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import SecretStr

from bastion.api.followthrough import FollowThroughSchedule, tick
from bastion.enforce.model import Decision
from bastion.enforce.settings import EnforceSettings
from bastion.enforce.takedown import Takedowns
from bastion.store import Store

from .fakes import receiver
from .world import small_world

KEY = "schedule-webhook-secret-0123456789abcdef"


def test_tick_delivers_and_rechecks(store: Store, tmp_path: Path) -> None:
    platform, networks = small_world(store, tmp_path)
    Takedowns(store).apply(networks[0], Decision("lead", "network selling prohibited material", "CS-1.2"))
    quiet = tick(store, EnforceSettings(env="development"))
    assert platform.truth.platform in quiet.escalated
    assert any("BASTION_WEBHOOK_URL" in note for note in quiet.skipped)
    with receiver(KEY.encode(), fail_first=1) as (url, hook):
        settings = EnforceSettings(
            env="development", webhook_url=url, webhook_secret=SecretStr(KEY), webhook_backoff_seconds=0.0
        )
        first = tick(store, settings)
        second = tick(store, settings)  # the failed first attempt is due again and goes through
    assert first.delivered + second.delivered == len(hook.applied) > 0
    assert {e["action"] for e in hook.applied} >= {"disable_account"}


def test_schedule_runs_in_the_background_until_stopped(store: Store, tmp_path: Path) -> None:
    small_world(store, tmp_path)
    schedule = FollowThroughSchedule(store, interval=0.05)
    schedule.start()
    deadline = time.monotonic() + 20
    while schedule.last is None and time.monotonic() < deadline:
        time.sleep(0.05)
    schedule.stop()
    assert schedule.last is not None and schedule.last.escalated
