"""``bastion policylist publish``: Bastion's confirmed takedowns as a Matrix moderation policy list
(``bastion.exchange.PolicyListPublisher``), for Draupnir/Mjolnir and other homeservers to subscribe to;
``ban-server``/``lift-server``: a lead's decision on a whole homeserver, published as a server rule."""

from __future__ import annotations

from typing import Annotated

import typer

from bastion.cli.context import DbOption, command_group, console, handle_errors, open_bastion
from bastion.exchange import PolicyListPublisher, ServerBans

PlatformOption = Annotated[str | None, typer.Option("--platform", help="Platform name (default: all).")]
ServerArg = Annotated[str, typer.Argument(help="The homeserver's name, e.g. abuse.example (no wildcards).")]
ByOption = Annotated[str, typer.Option("--by", help="Who decided (the lead's name).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, in words a reader of the list can follow.")]
ClauseOption = Annotated[str, typer.Option("--clause", help="The policy clause (the rule's reason).")]
MatrixPlatform = Annotated[str, typer.Option("--platform", help="The Matrix platform's name in Bastion.")]


def register(app: typer.Typer) -> None:
    group = command_group(app, "policylist", "Publish takedowns as a Matrix moderation policy list.")
    group.command("publish")(publish)
    group.command("ban-server")(ban_server)
    group.command("lift-server")(lift_server)


@handle_errors
def publish(platform: PlatformOption = None, db: DbOption = None) -> None:
    """Publish m.policy.rule.user bans for disabled Matrix accounts; remove reversed ones."""
    bastion = open_bastion(db)
    result = PolicyListPublisher(bastion.store, bastion.section("exchange")).publish(platform)
    console.print(
        f"policy room {result.room_id}: {len(result.published)} published, {len(result.removed)} removed, "
        f"{result.unchanged} unchanged, {result.skipped} non-Matrix accounts skipped"
    )


@handle_errors
def ban_server(
    server: ServerArg,
    by: ByOption,
    reason: ReasonOption,
    clause: ClauseOption,
    platform: MatrixPlatform = "matrix",
    db: DbOption = None,
) -> None:
    """Record a lead's decision that a whole homeserver is run for abuse (an m.policy.rule.server ban on the
    next publish)."""
    bastion = open_bastion(db)
    d = ServerBans(bastion.store).decide(
        server, ban=True, by=by, reason=reason, clause=clause, platform=platform
    )
    console.print(f"decision {d.decision_id}: {d.subjects[0].account_id} banned ({clause}); run publish")


@handle_errors
def lift_server(
    server: ServerArg,
    by: ByOption,
    reason: ReasonOption,
    clause: ClauseOption,
    platform: MatrixPlatform = "matrix",
    db: DbOption = None,
) -> None:
    """Record a lead's decision lifting a server ban (its rule is blanked on the next publish)."""
    bastion = open_bastion(db)
    d = ServerBans(bastion.store).decide(
        server, ban=False, by=by, reason=reason, clause=clause, platform=platform
    )
    console.print(f"decision {d.decision_id}: the ban of {d.subjects[0].account_id} lifted; run publish")
