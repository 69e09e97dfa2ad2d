"""``bastion capabilities``, ``bastion settings`` and ``bastion jobs``: what this install has, how it is
configured, and what it runs in the background."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, console, handle_errors, open_bastion
from bastion.system import installed, settings_markdown
from bastion.system.jobs import Scheduler
from bastion.system.leader import SoleLeader


def register(app: typer.Typer) -> None:
    app.command("capabilities")(capabilities)
    app.command("settings")(settings)
    app.command("jobs")(jobs)


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
def jobs(
    run: Annotated[
        list[str] | None,
        typer.Option("--run", help="Run one pass of this job now, here (repeat; 'all' for every job)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """The background jobs ``bastion serve`` runs on its elected leader, with their periods; ``--run`` runs
    passes now (from cron, or when no service is running). Exit 1 if a pass failed."""
    with open_bastion(db) as bastion:
        scheduler = Scheduler(bastion, leader=SoleLeader())
        if not run:
            table = Table("job", "every (s)", "capability")
            owner = {j.name: c.name for c in bastion.installed.capabilities for j in c.jobs}
            for job in scheduler.jobs:
                table.add_row(job.name, f"{scheduler.states[job.name].every:g}", owner[job.name])
            console.print(table)
            return
        names = [j.name for j in scheduler.jobs] if run == ["all"] else run
        failed = False
        for name in names:
            state = scheduler.run_once(name)
            if state.last_error:
                failed = True
                line = f"[red]{name}: failed[/red] {state.last_error}"
                console.print(line, soft_wrap=True, highlight=False)
            else:
                console.print(f"{name}: done", highlight=False)
        if failed:
            raise typer.Exit(1)
