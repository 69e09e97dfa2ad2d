"""``bastion mastodon enforce``: carry out Bastion's actions on a Mastodon server through its admin API
(:mod:`bastion.connectors.mastodon`), reading the action feed from the store. Run it beside ``bastion serve``
(one process; under a process manager), or with ``--once`` from a timer."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from bastion.cli.context import DbOption, command_group, console, handle_errors, open_bastion
from bastion.connectors.mastodon import ActionPoller, Enforcer, MastodonAdmin, Preserver, State
from bastion.core.errors import ConfigError
from bastion.core.platforms import MastodonSettings
from bastion.enforce import ActionService
from bastion.system import Bastion

OnceOption = Annotated[bool, typer.Option("--once", help="Enforce what is waiting, then exit.")]


def register(app: typer.Typer) -> None:
    group = command_group(app, "mastodon", "Carry out Bastion's actions on a Mastodon server.")
    group.command("enforce")(enforce)


def build(bastion: Bastion) -> tuple[ActionPoller, State]:
    """The poller over the store's action feed for the configured Mastodon platform."""
    settings: MastodonSettings = bastion.section("mastodon")
    if not settings.url or settings.access_token is None:
        raise ConfigError("set BASTION_MASTODON_URL and BASTION_MASTODON_ACCESS_TOKEN (an admin's token)")
    enforce_settings = bastion.section("enforce")
    state = State(settings.state_dir)
    admin = MastodonAdmin(settings.url, settings.access_token.get_secret_value(), state)
    preserver = Preserver(
        admin,
        state,
        enforce_settings.fernet_key(),
        days=enforce_settings.preservation_days,
        statuses=settings.evidence_statuses,
        max_bytes=settings.media_max_bytes,
        timeout=settings.media_timeout_seconds,
        allow_private=settings.media_private_hosts,
    )
    enforcer = Enforcer(
        admin, preserver, state, suspend_type=settings.suspend_type, restrict_type=settings.restrict_type
    )
    actions = ActionService(bastion.store)

    def feed(since: int) -> tuple[list[dict[str, Any]], int]:
        events = [e.as_json() for e in actions.events(since, platform=settings.platform, limit=200)]
        return events, events[-1]["event_id"] if events else since

    return ActionPoller(feed, enforcer, state), state


@handle_errors
def enforce(once: OnceOption = False, db: DbOption = None) -> None:
    """Enforce the Mastodon platform's actions (preserve, then suspend; silence; resolve reports)."""
    bastion = open_bastion(db)
    poller, state = build(bastion)
    every = bastion.section("mastodon").poll_seconds
    try:
        while True:
            done = poller.step()
            if done:
                console.print(f"mastodon: {done} action event(s) enforced")
            purged = state.purge_due()
            if purged:
                console.print(f"mastodon: {purged} evidence record(s) past their preservation period purged")
            if once:
                break
            time.sleep(every)
    except KeyboardInterrupt:
        pass
    finally:
        state.close()
