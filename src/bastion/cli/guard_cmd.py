"""``bastion audit recommendations``: how often the recommender advertised each detected network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bastion.cli import context
from bastion.cli.context import DbOption, command_group, handle_errors


#: The group name; if another capability claims ``audit``, this becomes ``exposure`` (``bastion exposure
#: audit``), see the guard report.
def register(app: typer.Typer) -> None:
    audit = command_group(app, "audit", "Audits: what the platform's algorithms did, and Bastion's own log.")
    audit.command("recommendations")(recommendations)


@handle_errors
def recommendations(
    db: DbOption = None,
    platform: Annotated[str | None, typer.Option(help="Platform (default: the only one stored).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the exposure plot here (.png or .svg).")
    ] = None,
    as_json: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON.")] = None,
) -> None:
    """Impressions of detected network members per network, viewer, minor and surface, the follows that
    followed, and the same impressions replayed through the guard."""
    from bastion.guard.plot import plot_exposure
    from bastion.guard.report import render_audit
    from bastion.guard.storage import audit_store

    with context.open_store(db) as store:
        audit = audit_store(store, platform)
    render_audit(audit, context.console)
    if out is not None:
        context.console.print(f"plot written to {plot_exposure(audit, out)}")
    if as_json is not None:
        as_json.write_text(json.dumps(audit.to_json(), indent=1), encoding="utf-8")
        context.console.print(f"figures written to {as_json}")
