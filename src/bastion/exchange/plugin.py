"""The exchange capability's manifest: an HMA-compatible API over the hash lists, hash exchanges through
python-threatexchange with feedback, and flood protection."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job
from bastion.exchange.settings import ExchangeSettings


def _service(b: Any) -> object:
    from bastion.exchange.service import ExchangeService

    return ExchangeService(b.store, b.section("exchange"))


def _on_decision(b: Any) -> Any:
    from bastion.exchange.verdicts import decision_handler

    return decision_handler()


def _sync(b: Any) -> object:
    return b.service("exchange").exchanges.sync_all()


def _flood_sweep(b: Any) -> object:
    return b.service("exchange").flood.sweep()


def _send_verdicts(b: Any) -> object:
    return b.service("exchange").send_verdicts()


def _sweep_every(b: Any) -> float:
    from bastion.exchange.service import SWEEP_SECONDS

    return SWEEP_SECONDS


def _commands(app: Any) -> None:
    from bastion.cli.policylist_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import hma

    return hma


CAPABILITY = Capability(
    name="exchange",
    summary="HMA-compatible API, hash exchanges (file, NCMEC, StopNCII, ThreatExchange) with feedback, "
    "flood protection, a Matrix moderation policy list of takedowns",
    order=25,
    service=_service,
    settings={"exchange": ExchangeSettings},
    commands=_commands,
    router=_router,
    on_decision=_on_decision,
    migrations="exchange",
    jobs=(
        Job("exchange-sync", _sync, lambda b: float(b.section("exchange").sync_interval_seconds)),
        Job("flood-sweep", _flood_sweep, _sweep_every),
        Job("exchange-verdicts", _send_verdicts, _sweep_every),
    ),
)
