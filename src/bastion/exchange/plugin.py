"""The exchange capability's manifest: an HMA-compatible API over the hash lists, hash exchanges through
python-threatexchange with feedback, flood protection, the Matrix policy list and shared signals, and the
jobs that run them on a schedule."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job
from bastion.exchange import jobs
from bastion.exchange.settings import ExchangeSettings


def _service(b: Any) -> object:
    """Over media's live repository (the façade's media service), so one index serves both capabilities."""
    from bastion.exchange.service import ExchangeService
    from bastion.media import BankRepository

    repo = getattr(b.service("media"), "repository", None) if b.installed.get("media") else None
    shared = repo if isinstance(repo, BankRepository) else None
    return ExchangeService(b.store, b.section("exchange"), repo=shared)


def _on_decision(b: Any) -> Any:
    from bastion.exchange.verdicts import decision_handler

    return decision_handler()


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
    jobs=(  # run by the service's elected leader (bastion.exchange.jobs says what each does)
        Job("exchange-sync", jobs.sync_exchanges, jobs.sync_every),
        Job("flood-sweep", jobs.sweep_floods, jobs.sweep_every),
        Job("exchange-verdicts", jobs.send_verdicts, jobs.sweep_every),
        Job("policylist-publish", jobs.publish_policy_list, jobs.policylist_every),
        Job("shared-signal-pull", jobs.pull_partners, jobs.pull_every),
    ),
)
