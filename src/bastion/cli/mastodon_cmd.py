"""``bastion mastodon enforce --once``: carry out Bastion's actions on a Mastodon server through its admin API
(:mod:`bastion.connectors.mastodon`), reading the action feed from the store, for a timer. ``bastion serve``
runs the same pass as its ``mastodon-enforce`` job; this module builds it (the connector's manifest loads it),
handing the connector its store-backed ledger (``bastion.enforce.ConnectorLedger``) and Bastion's
preservation vault."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from bastion.cli.context import DbOption, command_group, console, handle_errors, open_bastion
from bastion.connectors.mastodon import ActionPoller, Enforcer, MastodonAdmin, Preserver
from bastion.core.errors import ConfigError
from bastion.core.platforms import MastodonSettings
from bastion.enforce import ActionService, ConnectorLedger
from bastion.report import PreservationVault
from bastion.system import Bastion

OnceOption = Annotated[bool, typer.Option("--once", help="Enforce what is waiting, then exit.")]
#: who the vault's access log names for what the enforcer preserves
ACTOR = "mastodon-enforce"


def register(app: typer.Typer) -> None:
    group = command_group(app, "mastodon", "Carry out Bastion's actions on a Mastodon server.")
    group.command("enforce")(enforce)


class VaultEvidence:
    """Bastion's preservation vault as the connector's :class:`~bastion.connectors.mastodon.EvidenceVault`:
    one platform's evidence, referenced by account and the action's idempotency key."""

    def __init__(self, vault: PreservationVault, platform: str) -> None:
        self.vault = vault
        self.platform = platform

    def preserved(self, key: str) -> int | None:
        return self.vault.evidence(self.platform, key)

    def keep(self, key: str, account_id: str, record: Mapping[str, Any]) -> int:
        return self.vault.preserve_evidence(self.platform, account_id, key, record, actor=ACTOR)


def configured(bastion: Bastion) -> bool:
    settings: MastodonSettings = bastion.section("mastodon")
    return bool(settings.url) and settings.access_token is not None


def build(bastion: Bastion) -> ActionPoller:
    """The poller over the store's action feed for the configured Mastodon platform."""
    settings: MastodonSettings = bastion.section("mastodon")
    if not configured(bastion):
        raise ConfigError("set BASTION_MASTODON_URL and BASTION_MASTODON_ACCESS_TOKEN (an admin's token)")
    assert settings.url is not None and settings.access_token is not None
    enforce_settings = bastion.section("enforce")
    vault = PreservationVault(
        bastion.store,
        enforce_settings.fernet_key(),
        days=enforce_settings.preservation_days,
        reader_roles=enforce_settings.reader_roles,
    )
    ledger = ConnectorLedger(bastion.store, f"mastodon:{settings.platform}")
    admin = MastodonAdmin(settings.url, settings.access_token.get_secret_value(), ledger)
    preserver = Preserver(
        admin,
        ledger,
        VaultEvidence(vault, settings.platform),
        statuses=settings.evidence_statuses,
        max_bytes=settings.media_max_bytes,
        timeout=settings.media_timeout_seconds,
        allow_private=settings.media_private_hosts,
    )
    enforcer = Enforcer(
        admin, preserver, ledger, suspend_type=settings.suspend_type, restrict_type=settings.restrict_type
    )
    actions = ActionService(bastion.store)

    def feed(since: int) -> tuple[list[dict[str, Any]], int]:
        events = [e.as_json() for e in actions.events(since, platform=settings.platform, limit=200)]
        return events, events[-1]["event_id"] if events else since

    return ActionPoller(feed, enforcer, ledger)


def run_pass(bastion: Bastion) -> int:
    """One pass of the ``mastodon-enforce`` job: the action events finished (0, doing nothing, while the
    Mastodon server is not configured). Idempotent: a pass repeated by a new leader changes nothing twice."""
    if not configured(bastion):
        return 0
    return build(bastion).step()


@handle_errors
def enforce(once: OnceOption = False, db: DbOption = None) -> None:
    """Enforce the Mastodon platform's actions (preserve, then suspend; silence; resolve reports)."""
    bastion = open_bastion(db)
    bastion.store  # noqa: B018 - open it first: a bad --db is the error to report, before the settings
    poller = build(bastion)
    every = bastion.section("mastodon").poll_seconds
    try:
        while True:
            done = poller.step()
            if done:
                console.print(f"mastodon: {done} action event(s) enforced")
            if once:
                break
            time.sleep(every)
    except KeyboardInterrupt:
        pass
