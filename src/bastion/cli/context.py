"""What every command shares: the console, the database option, and one way to report errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from bastion.core.errors import BastionError, ConfigError, InputError
from bastion.core.settings import load_settings
from bastion.store import Store

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $BASTION_DATABASE_URL, else sqlite:///./bastion.db)."),
]

P = ParamSpec("P")
R = TypeVar("R")


def open_store(db: str | None) -> Store:
    return Store(load_settings(database_url=db).database_url)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn Bastion's own errors into one red line and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            err_console.print(f"[red]input error:[/red] {exc}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from exc
        except ConfigError as exc:
            err_console.print(f"[red]configuration error:[/red] {exc}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from exc
        except BastionError as exc:
            err_console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
            raise typer.Exit(1) from exc

    return wrapper


def command_group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group ``name``, shared by every capability that adds to it (``scan``, ``audit``, …)."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub
