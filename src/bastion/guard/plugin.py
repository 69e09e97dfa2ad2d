"""The guard capability's manifest: recommendations and contact filtered by what detection found."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability
from bastion.guard.kinds import CONTACT_GUARD


def _commands(app: Any) -> None:
    from bastion.cli.guard_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import guard

    return guard


def _demo(ctx: Any) -> None:
    from bastion.demo.guard import demo_step

    demo_step(ctx)


CAPABILITY = Capability(
    name="guard",
    summary="recommendation and contact guards, and an audit of what the recommender showed",
    order=50,
    commands=_commands,
    router=_router,
    demo=(("recommendation exposure: what the recommender showed, and what the guard would have", _demo),),
    signal_kinds=(CONTACT_GUARD,),
)
