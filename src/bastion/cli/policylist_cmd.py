"""``bastion policylist publish``: Bastion's confirmed takedowns as a Matrix moderation policy list
(``bastion.exchange.PolicyListPublisher``), for Draupnir/Mjolnir and other homeservers to subscribe to."""

from __future__ import annotations

from typing import Annotated

import typer

from bastion.cli.context import DbOption, command_group, console, handle_errors, open_bastion
from bastion.exchange import PolicyListPublisher

PlatformOption = Annotated[str | None, typer.Option("--platform", help="Platform name (default: all).")]


def register(app: typer.Typer) -> None:
    group = command_group(app, "policylist", "Publish takedowns as a Matrix moderation policy list.")
    group.command("publish")(publish)


@handle_errors
def publish(platform: PlatformOption = None, db: DbOption = None) -> None:
    """Publish m.policy.rule.user bans for disabled Matrix accounts; remove reversed ones."""
    bastion = open_bastion(db)
    result = PolicyListPublisher(bastion.store, bastion.section("exchange")).publish(platform)
    console.print(
        f"policy room {result.room_id}: {len(result.published)} published, {len(result.removed)} removed, "
        f"{result.unchanged} unchanged, {result.skipped} non-Matrix accounts skipped"
    )
