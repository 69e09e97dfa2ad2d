"""The ``bastion`` command: thin typer layer over the library; each capability registers its own commands."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="bastion",
    help="Bastion: child-safety defence for online platforms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Command modules, each with ``register(app)``; a capability adds one line here.
COMMAND_MODULES = (
    "bastion.cli.ingest_cmd",
    "bastion.cli.db_cmd",
    "bastion.cli.demo_cmd",
    "bastion.cli.graph_cmd",
    "bastion.cli.terms_cmd",
    "bastion.cli.media_cmd",
    "bastion.cli.guard_cmd",
    "bastion.cli.review_cmd",
    "bastion.cli.enforce_cmd",
)

for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
