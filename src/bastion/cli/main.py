"""The ``bastion`` command: a thin typer layer over the library. The store and demo commands are the
CLI's own; every capability adds its commands through its manifest (``bastion/<capability>/plugin.py``)."""

from __future__ import annotations

import typer

from bastion.cli import db_cmd, demo_cmd, system_cmd
from bastion.system import installed

app = typer.Typer(
    name="bastion",
    help="Bastion: child-safety defence for online platforms.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

for _own in (db_cmd, demo_cmd, system_cmd):
    _own.register(app)
for _cap in installed().capabilities:
    if _cap.commands is not None:
        _cap.commands(app)


if __name__ == "__main__":  # pragma: no cover
    app()
