"""The enforce capability's manifest: actions, network takedowns, follow-through, ban evasion, webhooks."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability
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
)
