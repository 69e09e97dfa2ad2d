"""Pipeline health: is every received report in a queue within its bound, and does the canary get through?

A canary is an ordinary report sent through the same intake and triage code on a schedule; if triage stops
(a crash, a lock, a bug), the canary and every real report pile up unqueued and the state turns degraded:
a log line, ``/healthz`` answers 503, the Prometheus gauges drop and an optional webhook is called.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import Engine, and_, func, select

from bastion.core.model import CANARY_PLATFORM, ReportTarget
from bastion.core.timefmt import iso, utcnow
from bastion.review.intake import ReportIn, store_reports
from bastion.store.bulk import insert_ignore
from bastion.store.tables import reports
from bastion.store.tables_review import joins_case_reports, review_case_reports, review_intake

log = logging.getLogger("bastion.review.health")


@dataclass(frozen=True, slots=True)
class PipelineHealth:
    ok: bool
    pending: int
    overdue: int
    oldest_pending_seconds: float | None
    last_canary_at: datetime | None
    last_canary_latency: float | None  # seconds to reach a queue; None while still waiting
    problems: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "degraded",
            "pending": self.pending,
            "overdue": self.overdue,
            "oldest_pending_seconds": self.oldest_pending_seconds,
            "last_canary_at": iso(self.last_canary_at) if self.last_canary_at else None,
            "last_canary_latency_seconds": self.last_canary_latency,
            "problems": list(self.problems),
        }


def inject_canary(engine: Engine, now: datetime | None = None) -> str:
    now = now or utcnow()
    report_id = f"canary-{now.strftime('%Y%m%dT%H%M%S%f')}"
    item = ReportIn(
        report_id=report_id,
        platform=CANARY_PLATFORM,
        reporter_id="bastion",
        target_type=ReportTarget.ACCOUNT,
        target_id="canary",
        reason="canary",
        created_at=now,
    )
    store_reports(engine, [item], source="canary", now=now)
    return report_id


def observe_unregistered(engine: Engine, now: datetime | None = None) -> int:
    """Give reports that arrived by ``bastion ingest`` a receipt time, so a stalled triage is noticed for
    them too (the API stamps its own)."""
    now = now or utcnow()
    unseen = (
        select(reports.c.platform, reports.c.report_id)
        .select_from(
            reports.outerjoin(
                review_intake,
                and_(
                    review_intake.c.platform == reports.c.platform,
                    review_intake.c.report_id == reports.c.report_id,
                ),
            ).outerjoin(
                review_case_reports,
                joins_case_reports(reports),
            )
        )
        .where(review_intake.c.report_id.is_(None), review_case_reports.c.case_id.is_(None))
        .limit(50_000)
    )
    with engine.begin() as conn:
        rows = [
            {"platform": r.platform, "report_id": r.report_id, "received_at": now, "source": "ingest"}
            for r in conn.execute(unseen)
        ]
        if rows:
            conn.execute(insert_ignore(engine, review_intake), rows)
    return len(rows)


def check(
    engine: Engine, bound_seconds: float, *, canary_every: float | None = None, now: datetime | None = None
) -> PipelineHealth:
    """With ``canary_every`` set a scheduler should be injecting canaries, so a missing one is a fault."""
    now = now or utcnow()
    bound = timedelta(seconds=bound_seconds)
    unqueued = and_(review_case_reports.c.case_id.is_(None))
    joined = review_intake.outerjoin(
        review_case_reports,
        joins_case_reports(review_intake),
    )
    with engine.connect() as conn:
        pending, oldest = conn.execute(
            select(func.count(), func.min(review_intake.c.received_at)).select_from(joined).where(unqueued)
        ).one()
        overdue = conn.execute(
            select(func.count())
            .select_from(joined)
            .where(unqueued, review_intake.c.received_at < now - bound)
        ).scalar_one()
        canary = conn.execute(
            select(review_intake.c.received_at, review_case_reports.c.added_at)
            .select_from(joined)
            .where(review_intake.c.source == "canary")
            .order_by(review_intake.c.received_at.desc())
            .limit(1)
        ).first()
    problems = []
    if overdue:
        problems.append(f"{overdue} report(s) not in a queue within {bound_seconds:.0f}s")
    last_at = latency = None
    if canary is not None:
        last_at = canary.received_at
        if canary.added_at is not None:
            latency = (canary.added_at - canary.received_at).total_seconds()
        elif now - canary.received_at > bound:
            problems.append(f"canary injected at {iso(canary.received_at)} is not in a queue")
    late = last_at is None or now - last_at > timedelta(seconds=canary_every or 0) + bound
    if canary_every is not None and late:
        problems.append("no canary injected recently: the canary scheduler is not running")
    oldest_s = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
    return PipelineHealth(
        not problems, int(pending), int(overdue), oldest_s, last_at, latency, tuple(problems)
    )


class Metrics:
    """One registry per app, so tests and several apps in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.healthy = Gauge(
            "bastion_pipeline_healthy", "1 when every report reaches a queue in time", registry=self.registry
        )
        self.pending = Gauge(
            "bastion_reports_pending", "received reports not yet in a queue", registry=self.registry
        )
        self.overdue = Gauge(
            "bastion_reports_overdue", "reports past their queue bound", registry=self.registry
        )
        self.canary_latency = Gauge(
            "bastion_canary_latency_seconds", "last canary's time to a queue", registry=self.registry
        )
        self.acknowledged = Counter(
            "bastion_reports_acknowledged",
            "reports acknowledged after commit",
            ["status"],
            registry=self.registry,
        )
        self.to_queue = Histogram(
            "bastion_report_to_queue_seconds",
            "receipt to queue",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.triage_errors = Counter("bastion_triage_errors", "failed triage sweeps", registry=self.registry)

    def update(self, health: PipelineHealth) -> None:
        self.healthy.set(1 if health.ok else 0)
        self.pending.set(health.pending)
        self.overdue.set(health.overdue)
        if health.last_canary_latency is not None:
            self.canary_latency.set(health.last_canary_latency)


class Alerter:
    """Says so once when the state changes (log line, optional webhook), not on every check."""

    def __init__(self, webhook: str | None = None) -> None:
        self.webhook = webhook
        self.degraded = False
        self.sent: list[dict[str, object]] = []

    def __call__(self, health: PipelineHealth) -> None:
        if health.ok == (not self.degraded):
            return
        self.degraded = not health.ok
        payload = {
            "event": "pipeline_degraded" if self.degraded else "pipeline_recovered",
            **health.as_json(),
        }
        if self.degraded:
            log.error("ALERT pipeline degraded: %s", "; ".join(health.problems))
        else:
            log.warning("pipeline recovered")
        self.sent.append(payload)
        if self.webhook:
            try:
                httpx.post(self.webhook, json=payload, timeout=5.0)
            except httpx.HTTPError as exc:
                log.error("alert webhook %s failed: %s", self.webhook, exc)
