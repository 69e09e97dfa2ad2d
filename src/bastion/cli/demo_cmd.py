"""``bastion demo``: the whole system on a synthetic platform in about a minute."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from bastion.cli.context import console, handle_errors, open_store
from bastion.core.errors import InputError
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
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Then start the review console on the demo's cases (Ctrl-C stops)."),
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
    matrix: Annotated[
        bool,
        typer.Option(
            "--matrix",
            help="Instead: Bastion live on a throwaway Matrix Synapse on 127.0.0.1 (needs "
            "scripts/setup-synapse.sh); uploads, code words, reports and a network takedown.",
        ),
    ] = False,
) -> None:
    """Generate a benign synthetic platform with planted networks, ingest it, and run every capability."""
    if matrix:
        if serve or db is not None:
            why = "--matrix runs on its own throwaway database and homeserver"
            raise InputError(why, field="--serve/--db")
        from bastion.demo.matrix import run_matrix_demo

        os.environ.setdefault("BASTION_ENV", "development")  # a loopback-only, throwaway service
        run_matrix_demo(workdir, console)
        return
    if db is not None:
        open_store(db).close()  # a wrong URL fails now, not after generating the platform
    ctx = run_demo(DemoOptions(workdir=workdir, accounts=accounts, seed=seed, database_url=db), console)
    if serve:
        serve_console(ctx.store.url, port)


def serve_console(url: str, port: int) -> None:
    """The console on the demo database, in development mode (the demo's logins use the development key)."""
    import uvicorn

    from bastion.api.service import create_app
    from bastion.system import Bastion

    os.environ.setdefault("BASTION_ENV", "development")
    os.environ["BASTION_DATABASE_URL"] = url
    bastion = Bastion.open(url)
    console.print(f"review console: http://127.0.0.1:{port}/login (log in with a demo login printed above)")
    uvicorn.run(create_app(bastion), host="127.0.0.1", port=port, log_level="warning")
