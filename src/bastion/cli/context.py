"""What every command shares: the console, the database option, and one way to report errors."""

from __future__ import annotations

import csv
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from bastion.core.errors import BastionError, ConfigError, InputError
from bastion.review.audit_anchor import anchor_written, forget_written
from bastion.store import Store
from bastion.system import Bastion

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $BASTION_DATABASE_URL, else sqlite:///./bastion.db)."),
]

P = ParamSpec("P")
R = TypeVar("R")


def open_bastion(db: str | None) -> Bastion:
    """The façade on ``--db`` (else the environment's database); every command starts here."""
    return Bastion.open(db)


def open_store(db: str | None) -> Store:
    """The façade's store, for commands that read tables directly (listings, exports)."""
    return open_bastion(db).store


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn errors into one red line naming what was wrong and a non-zero exit, never a traceback; after a
    command that wrote audit rows, anchor the log (a signed checkpoint to $BASTION_AUDIT_ANCHOR)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        forget_written()
        try:
            try:
                result = fn(*args, **kwargs)
            except BaseException:
                _anchor_quietly()  # rows a failing command wrote still get anchored, its error still shows
                raise
            anchor_written()
            return result
        except BastionError as exc:
            _fail(_kind(exc), exc)
            raise typer.Exit(exc.exit_code) from exc
        except ValidationError as exc:
            if exc.title.endswith("Settings"):
                _fail("configuration error", _settings_problem(exc))
            else:
                _fail("input error", f"{exc.title}: {_settings_problem(exc)}")
            raise typer.Exit(2) from exc
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail("error", f"{where}{exc.strerror or exc}")
            raise typer.Exit(1) from exc
        except DBAPIError as exc:
            _fail("database error", f"{_db_named(kwargs)}{_first_line(exc.orig or exc)}")
            raise typer.Exit(1) from exc
        except (UnicodeError, RecursionError, csv.Error) as exc:
            _fail("input error", f"{_inputs(args, kwargs)}: {_unreadable(exc)}")
            raise typer.Exit(2) from exc
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("BASTION_DEBUG"):
                raise
            _fail(
                "unexpected error (a bug: please report it; BASTION_DEBUG=1 shows the traceback)", repr(exc)
            )
            raise typer.Exit(70) from exc

    return wrapper


def _kind(exc: BastionError) -> str:
    """The red word before the message: the error's branch of the tree in plain words."""
    if isinstance(exc, InputError):
        return "input error"
    if isinstance(exc, ConfigError):
        return "configuration error"
    return "error"


def _anchor_quietly() -> None:
    try:
        anchor_written()
    except BastionError as exc:
        _fail("audit checkpoint not written", exc)


def _inputs(args: tuple[object, ...], kwargs: dict[str, object]) -> str:
    """The files a command was given, to name in an error raised while reading one of them."""
    paths = [str(v) for v in (*args, *kwargs.values()) if isinstance(v, Path)]
    return ", ".join(paths) if paths else "the input"


def _db_named(kwargs: dict[str, object]) -> str:
    url = kwargs.get("db") or os.environ.get("BASTION_DATABASE_URL")
    if not isinstance(url, str):
        return ""
    try:
        return make_url(url).render_as_string(hide_password=True) + ": "
    except ArgumentError:
        return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
    if isinstance(exc, UnicodeError):
        return f"holds text that cannot be encoded ({exc})"
    if isinstance(exc, RecursionError):
        return "is nested too deeply to read"
    return f"is not readable CSV ({exc})"


def _fail(kind: str, detail: object) -> None:
    err_console.print(f"[red]{kind}:[/red] {detail}", soft_wrap=True, highlight=False, markup=True)


def _settings_problem(exc: ValidationError) -> str:
    """``BASTION_ENV: Input should be 'development' or 'production' (got 'staging')``: the variable named,
    not a dump."""
    parts = []
    for err in exc.errors(include_url=False):
        name = "BASTION_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "settings"
        parts.append(f"{name}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(parts)


def command_group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group ``name``, shared by every capability that adds to it (``scan``, ``audit``, …)."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub
