"""The enforce capability's manifest: actions, network takedowns, follow-through, ban evasion, webhooks."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job
from bastion.core.decision import DecisionHandler
from bastion.enforce.kinds import EVASION, STILL_ACTIVE
from bastion.enforce.settings import EnforceSettings


def _service(b: Any) -> object:
    from bastion.enforce.takedown import Takedowns

    return Takedowns(b.store)


def _on_decision(b: Any) -> DecisionHandler:
    from bastion.enforce.decisions import decision_actions

    settings = b.section("enforce")
    return decision_actions(settings.decision_policy, cybertip_environment=settings.cybertip_environment)


def _recheck(b: Any) -> object:
    from bastion.enforce.schedule import recheck_platforms

    return recheck_platforms(b.store, b.section("enforce"))


def _deliver(b: Any) -> object:
    from bastion.enforce.schedule import deliver_due

    return deliver_due(b.store, b.section("enforce"))


def _every(b: Any) -> float:
    return float(b.section("enforce").followthrough_interval_seconds)


def _deliver_every(b: Any) -> float:
    """Deliveries wait for their own backoff; polling at the webhook's pace keeps them prompt."""
    settings = b.section("enforce")
    return float(min(settings.followthrough_interval_seconds, max(settings.webhook_backoff_seconds, 5.0)))


def _commands(app: Any) -> None:
    from bastion.cli.enforce_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import enforce

    return enforce


def _demo(ctx: Any) -> None:
    from bastion.demo.enforce import demo_step

    demo_step(ctx)


CAPABILITY = Capability(
    name="enforce",
    summary="actions and network takedowns delivered to the platform, follow-through, ban evasion",
    order=70,
    service=_service,
    settings={"enforce": EnforceSettings},
    on_decision=_on_decision,
    commands=_commands,
    router=_router,
    demo=(("enforcement: a lead decides each network case; the policy acts; a CyberTipline draft", _demo),),
    signal_kinds=(STILL_ACTIVE, EVASION),
    migrations="enforce",
    jobs=(Job("followthrough-recheck", _recheck, _every), Job("webhook-delivery", _deliver, _deliver_every)),
)
