"""``bastion demo``: the whole system on a synthetic platform in about a minute."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bastion.cli.context import console, handle_errors
from bastion.demo import DemoOptions, run_demo


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@handle_errors
def demo(
    workdir: Annotated[
        Path, typer.Option(help="Where the export, database and outputs go (replaced).")
    ] = Path("demo-output"),
    accounts: Annotated[int, typer.Option(min=300, help="Size of the synthetic platform.")] = 4_000,
    seed: Annotated[int, typer.Option(help="Same seed, same platform.")] = 7,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: a fresh SQLite file in workdir).")
    ] = None,
) -> None:
    """Generate a benign synthetic platform with planted networks, ingest it, and run every capability."""
    run_demo(DemoOptions(workdir=workdir, accounts=accounts, seed=seed, database_url=db), console)
