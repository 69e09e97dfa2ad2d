"""The review capability's manifest: durable intake, triage, cases, the console's back end, health."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job
from bastion.review.audit_anchor import AuditSettings
from bastion.review.kinds import BAD_FAITH_REPORTER, CASE_OPEN, VERDICT
from bastion.review.settings import ReviewSettings


def _service(b: Any) -> object:
    from bastion.review.service import Review

    return Review(b.store, b.section("review").checked(), on_decision=b.decision_handler())


def _triage(b: Any) -> object:
    review = b.review
    try:
        return review.triage()
    except Exception:  # counted for the metrics endpoint; the scheduler logs it and runs the next pass
        review.metrics.triage_errors.inc()
        raise


def _monitor(b: Any) -> object:
    """Canaries, health and alerts, and the audit checkpoint, each on its own period inside."""
    return b.review.monitor_once()


def _commands(app: Any) -> None:
    from bastion.cli.review_cmd import register

    register(app)


def _demo(ctx: Any) -> None:
    from bastion.demo.review import demo_step

    demo_step(ctx)


CAPABILITY = Capability(
    name="review",
    summary="reports that always reach a reviewer: intake, triage, queues, decisions, appeals, health",
    order=60,
    service=_service,
    settings={"review": ReviewSettings, "audit": AuditSettings},
    commands=_commands,
    demo=(("reports to reviewers: triage into cases, the review console", _demo),),
    signal_kinds=(CASE_OPEN, VERDICT, BAD_FAITH_REPORTER),
    migrations="review",
    jobs=(
        Job("triage", _triage, lambda b: float(b.section("review").triage_interval_seconds)),
        Job("pipeline-monitor", _monitor, lambda b: float(b.section("review").monitor_interval_seconds)),
    ),
)
