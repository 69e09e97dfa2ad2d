"""The service's enforcement schedule: deliveries retried, removed accounts re-checked, preservation purged.

In the 2023 case, a month after sellers were reported dozens were still active because nobody looked again.
``bastion serve`` therefore runs the follow-through on a timer instead of waiting for someone to remember
``bastion enforcement status``: every tick re-checks each platform's actioned and reported accounts against
their latest ingested status (escalating those still active as ``still_active`` signals), delivers due
webhook events, and purges preserved reports whose period has ended. Each part that is not configured
(no webhook, no preservation key outside development) is skipped and said so once in the log.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from bastion.core.errors import ConfigError
from bastion.enforce.settings import EnforceSettings, load_enforce_settings
from bastion.enforce.status import recheck
from bastion.enforce.webhook import dispatcher_for
from bastion.report.preservation import PreservationVault
from bastion.store import Store

log = logging.getLogger("bastion.followthrough")


@dataclass
class TickResult:
    escalated: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    purged: int = 0
    skipped: list[str] = field(default_factory=list)


def tick(store: Store, settings: EnforceSettings | None = None) -> TickResult:
    """One pass of the schedule; safe to run from several processes (every part is idempotent)."""
    settings = settings or load_enforce_settings()
    result = TickResult()
    for name in store.platforms():
        found = recheck(store, name, escalate_after_days=settings.still_active_days)
        result.escalated[name] = len(found.escalate)
    if settings.webhook_url:
        try:
            dispatcher = dispatcher_for(store, settings)
            result.delivered = dispatcher.deliver_due().delivered
        except ConfigError as exc:
            result.skipped.append(f"webhook delivery: {exc}")
    else:
        result.skipped.append("webhook delivery: BASTION_WEBHOOK_URL is not set (actions are pulled by API)")
    try:
        vault = PreservationVault(store, settings.fernet_key(), days=settings.preservation_days)
        result.purged = vault.purge_due(actor="scheduler")
    except ConfigError as exc:
        result.skipped.append(f"preservation purge: {exc}")
    return result


class FollowThroughSchedule:
    """A daemon thread running :func:`tick` every ``interval`` seconds until stopped."""

    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()
        self.last: TickResult | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="bastion-followthrough", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.last = tick(self.store)
                for note in self.last.skipped:
                    if note not in self._warned:
                        self._warned.add(note)
                        log.warning("follow-through: %s", note)
                escalated = sum(self.last.escalated.values())
                if escalated:
                    log.warning("follow-through: %d account(s) still active after their decision", escalated)
            except Exception:  # a failing pass must not end the schedule; the next one tries again
                log.exception("follow-through pass failed")
            self._stop.wait(self.interval)
