"""The review capability over one store: what the API, the console, the CLI and the demo all call.

Background work (triage sweeps, canary injection, health checks) is two jobs in the manifest, run by the
service's elected leader (:mod:`bastion.system.jobs`); tests call :meth:`triage` and :meth:`monitor_once`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from bastion.core.decision import DecisionHandler
from bastion.core.errors import BastionError
from bastion.core.timefmt import utcnow
from bastion.review.audit_anchor import Anchorer
from bastion.review.auth import Auth
from bastion.review.cases import CaseDesk
from bastion.review.health import Alerter, Metrics, PipelineHealth, check, inject_canary, observe_unregistered
from bastion.review.intake import durable_engine
from bastion.review.settings import ReviewSettings
from bastion.review.triage import TriageStats, triage_pending
from bastion.review.writer import IntakeWriter
from bastion.store import Store
from bastion.store.writelock import write_lock

log = logging.getLogger("bastion.review")


class Review:
    def __init__(
        self, store: Store, settings: ReviewSettings, *, on_decision: DecisionHandler | None = None
    ) -> None:
        """``on_decision``: what follows a case's final decision in its transaction (enforcement's handler,
        passed in by whoever wires the capabilities together; review never imports enforcement)."""
        self.store = store
        self.settings = settings
        self.engine = store.engine
        self.intake_engine = durable_engine(store.url)
        self.auth = Auth(self.engine, settings.secret_key.get_secret_value(), settings.session_hours)
        self.desk = CaseDesk(
            self.engine,
            second_rate=settings.second_review_rate,
            claim_timeout_minutes=settings.claim_timeout_minutes,
            on_decision=on_decision,
        )
        #: SQLite has one writer at a time; turns (threads and workers) avoid its sleeping busy handler.
        self.write_lock: AbstractContextManager[object] = write_lock(store.url)
        self.writer = IntakeWriter(self.intake_engine, self.write_lock)
        self.metrics = Metrics()
        self.alerter = Alerter(settings.alert_webhook)
        self._last_canary = 0.0
        self.anchorer = Anchorer()
        self._last_anchor = 0.0
        #: True while a service schedule runs triage and canaries (here or on the leader worker): health
        #: then expects fresh canaries.
        self.running = False
        #: What "now" is for health checks; tests move it forward instead of sleeping.
        self.clock: Callable[[], datetime] = utcnow

    # one step each, callable from tests
    def triage(self) -> TriageStats:
        with self.write_lock:
            stats = triage_pending(self.engine)
        for seconds in stats.latencies:
            self.metrics.to_queue.observe(seconds)
        return stats

    def health(self, now: datetime | None = None) -> PipelineHealth:
        every = self.settings.canary_interval_seconds if self.running else None
        health = check(
            self.engine, self.settings.queue_bound_seconds, canary_every=every, now=now or self.clock()
        )
        self.metrics.update(health)
        return health

    def monitor_once(self, now: datetime | None = None) -> PipelineHealth:
        if time.monotonic() - self._last_canary >= self.settings.canary_interval_seconds:
            inject_canary(self.intake_engine)
            self._last_canary = time.monotonic()
        observe_unregistered(self.engine)
        health = self.health(now)
        self.alerter(health)
        self.anchor_once()
        return health

    def anchor_once(self) -> None:
        """A signed checkpoint of the audit head outside the database, on its own schedule (no-op without
        a sink); an unreachable sink is logged and retried, it must not stop the monitor."""
        if time.monotonic() - self._last_anchor < self.anchorer.settings.audit_checkpoint_seconds:
            return
        try:
            self.anchorer.checkpoint(self.engine)
        except BastionError:
            log.exception("audit checkpoint failed")
            return
        self._last_anchor = time.monotonic()

    def close(self) -> None:
        self.writer.close()
        self.intake_engine.dispose()
