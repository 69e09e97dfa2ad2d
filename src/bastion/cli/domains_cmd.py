"""``bastion domains``: link domains that tie no one together (an institution's, a known marketplace's),
which network detection then reads as no one's evidence (``bastion.graph.domains``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, console, handle_errors, open_store
from bastion.core.errors import NotFound
from bastion.graph.domains import BenignDomains

DomainArg = Annotated[str, typer.Argument(help="A domain or a link, e.g. northvale.edu (covers subdomains).")]
ByOption = Annotated[str, typer.Option("--by", help="Who allows it (kept with the entry).")]


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Link domains that tie no one together (an institution's), for network detection.",
        no_args_is_help=True,
    )
    group.command("allow")(allow)
    group.command("import")(import_file)
    group.command("list")(list_domains)
    group.command("remove")(remove)
    app.add_typer(group, name="domains")


@handle_errors
def allow(
    domain: DomainArg,
    by: ByOption,
    reason: Annotated[str, typer.Option("--reason", help="Why it ties no one, e.g. 'university'.")],
    db: DbOption = None,
) -> None:
    """Allow a domain: its holders share it because they belong to it (a university, a school, a charity,
    a marketplace), so sharing it is no one's evidence from the next `bastion detect` on."""
    e = BenignDomains(open_store(db)).allow(domain, by=by, reason=reason)
    console.print(f"allowed {e.domain} ({e.reason}); the next `bastion detect` reads it as no tie")


@handle_errors
def import_file(
    path: Annotated[Path, typer.Argument(help="CSV with a domain column and a reason column.")],
    by: ByOption,
    reason: Annotated[
        str, typer.Option("--reason", help="The reason for rows that give none (else they are refused).")
    ] = "",
    db: DbOption = None,
) -> None:
    """Allow every domain of a CSV file (all of them, or on a bad row none)."""
    got = BenignDomains(open_store(db)).import_file(path, by=by, reason=reason)
    console.print(f"allowed {len(got)} domain(s) from {path}")


@handle_errors
def list_domains(db: DbOption = None) -> None:
    """The allowed domains, who allowed each and why."""
    table = Table(title="domains that tie no one")
    for c in ("domain", "reason", "by", "at"):
        table.add_column(c)
    for e in BenignDomains(open_store(db)).all():
        table.add_row(e.domain, e.reason, e.added_by, e.added_at.isoformat(timespec="seconds"))
    console.print(table)


@handle_errors
def remove(domain: DomainArg, db: DbOption = None) -> None:
    """Read a domain as a tie again from the next run on."""
    if not BenignDomains(open_store(db)).remove(domain):
        raise NotFound(f"{domain!r} is not on the list")
    console.print(f"removed {domain}")
