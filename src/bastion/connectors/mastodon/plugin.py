"""The Mastodon connector's manifest: its webhook router, its ``bastion mastodon`` commands, its settings
section, and the ``mastodon-enforce`` job that ``bastion serve``'s elected leader runs (Bastion's actions
carried out through Mastodon's admin API, evidence preserved in the vault first). Until the server's URL and
an admin token are set, the job's pass does nothing.

Its loaders import the adapters (the CLI module builds the enforcer from the store's ledger and vault) when
called, like every capability's manifest; the connector's own modules import only ``bastion.core``.
"""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job
from bastion.core.platforms import MastodonSettings


def _enforce(b: Any) -> object:
    from bastion.cli.mastodon_cmd import run_pass

    return run_pass(b)


def _every(b: Any) -> float:
    return float(b.section("mastodon").poll_seconds)


def _commands(app: Any) -> None:
    from bastion.cli.mastodon_cmd import register

    register(app)


def _router() -> Any:
    from bastion.api.routers import mastodon

    return mastodon


CAPABILITY = Capability(
    name="mastodon",
    summary="a Mastodon server: admin webhooks in, actions out through its admin API, evidence preserved",
    order=90,
    settings={"mastodon": MastodonSettings},
    commands=_commands,
    router=_router,
    jobs=(Job("mastodon-enforce", _enforce, _every),),
)
