"""``bastion capabilities`` and ``bastion settings``: what this install has, and how it is configured;
``bastion catchup``: the pipeline brought up to date on live events, on demand."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, console, handle_errors, open_bastion
from bastion.system import installed, settings_markdown


def register(app: typer.Typer) -> None:
    app.command("capabilities")(capabilities)
    app.command("settings")(settings)
    app.command("catchup")(catchup)


@handle_errors
def capabilities() -> None:
    """The installed capabilities in pipeline order, and what is missing for any of them."""
    found = installed()
    table = Table("capability", "what it does", "signals written", "migrations")
    for cap in found.capabilities:
        table.add_row(
            cap.name, cap.summary, ", ".join(map(str, cap.signal_kinds)) or "-", cap.migrations or "-"
        )
    console.print(table)
    for problem in found.problems:
        console.print(f"[yellow]{problem.capability}:[/yellow] {problem.detail}")


@handle_errors
def settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="The README's table of every variable.")
    ] = False,
) -> None:
    """Every ``BASTION_*`` variable, by section, with its default and what it is for."""
    if markdown:
        typer.echo(settings_markdown(), nl=False)
        return
    console.print(settings_markdown(), markup=False, highlight=False)


@handle_errors
def catchup(
    db: DbOption = None,
    platform: Annotated[
        str | None, typer.Option("--platform", help="One platform (default: every platform).")
    ] = None,
) -> None:
    """Catch the scans, detection and triage up on the live events stored since the last catch-up."""
    with open_bastion(db) as b:
        for line in b.catchup(platform).lines():
            console.print(line, markup=False, highlight=False)
