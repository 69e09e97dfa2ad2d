"""``bastion db``: schema management for operators who migrate explicitly (production PostgreSQL)."""

from __future__ import annotations

import typer

from bastion.cli.context import DbOption, console, handle_errors, open_store
from bastion.store import migrate

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@handle_errors
def upgrade(db: DbOption = None) -> None:
    """Apply every pending migration (opening the database does this too)."""
    store = open_store(db)
    console.print(f"at {', '.join(sorted(migrate.current_revisions(store.engine)))} on {store.engine.url!r}")
