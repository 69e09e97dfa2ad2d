"""``bastion detect`` and ``bastion networks``: find seller/buyer networks and read them back."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from bastion.cli.context import DbOption, console, err_console, handle_errors, open_bastion, open_store
from bastion.core.errors import InputError
from bastion.core.textfile import read_text_file
from bastion.graph.model import DEFAULT_WEIGHTS, FEATURES, Weights
from bastion.graph.service import Dossier
from bastion.graph.verdicts import current_weights, refit

PlatformOption = Annotated[str | None, typer.Option("--platform", help="Platform (default: the only one).")]
SeedsOption = Annotated[
    Path | None,
    typer.Option(
        "--seeds",
        help="Seed accounts: one id a line, or CSV with account_id (default: the ingested seeds table).",
    ),
]
SeedlessOption = Annotated[bool, typer.Option("--seedless", help="Ignore the seeds table; signals only.")]


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)
    app.command("explain")(explain_account)
    networks_app = typer.Typer(
        help="Networks found by the latest `bastion detect`.",
        invoke_without_command=True,
        no_args_is_help=False,
    )
    networks_app.callback(invoke_without_command=True)(networks)
    networks_app.command("show")(show)
    app.add_typer(networks_app, name="networks")
    weights_app = typer.Typer(help="The evidence model's weights, fitted from reviewers' verdicts.")
    weights_app.command("fit")(weights_fit)
    weights_app.command("show")(weights_show)
    app.add_typer(weights_app, name="weights")


def read_seeds(path: Path) -> list[str]:
    """One account id a line, or a CSV with an ``account_id`` column; blank lines and '#' comments skipped
    (an error names the file's own line number)."""
    text = read_text_file(path, "seeds file")
    lines = [
        (k, ln)
        for k, ln in enumerate(text.splitlines(), start=1)
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not lines:
        return []
    first, head = lines[0]
    header = [h.strip() for h in next(csv.reader([head]))]
    if len(header) > 1 or header == ["account_id"]:
        if "account_id" not in header:
            raise InputError(
                "CSV seeds file needs an account_id column", file=str(path), line=first, field="account_id"
            )
        col = header.index("account_id")
        out = []
        for k, ln in lines[1:]:
            row = next(csv.reader([ln]), [])
            if len(row) <= col or not row[col].strip():
                raise InputError("empty account id", file=str(path), line=k, field="account_id")
            out.append(row[col].strip())
        return out
    return [ln.strip() for _, ln in lines]


@handle_errors
def detect(
    seeds: SeedsOption = None,
    engine: Annotated[str, typer.Option("--engine", help="local (one machine) or spark.")] = "local",
    platform: PlatformOption = None,
    seedless: SeedlessOption = False,
    db: DbOption = None,
) -> None:
    """Find seller/buyer networks (refreshing stale term and media scans first) and store them."""
    if engine not in ("local", "spark"):
        raise InputError(f"unknown engine {engine!r}: use local or spark", field="--engine")
    chosen = read_seeds(seeds) if seeds is not None else ([] if seedless else None)
    run = open_bastion(db).graph.detect(platform, chosen, engine)
    for note in run.notes:
        err_console.print(f"[dim]{note}[/dim]")
    console.print(
        f"run {run.run_id} on {run.platform!r} ({run.engine} engine, {run.mode}, {len(run.seeds)} seed(s)): "
        f"{run.accounts:,} accounts, {run.edges:,} edges, {run.flagged:,} in networks, "
        f"[bold]{len(run.networks)} network(s)[/bold]"
    )
    _table(
        [(n.network_id, n.score, len(n.members), n.role_counts(), _minor(n.exposure)) for n in run.networks]
    )


@handle_errors
def explain_account(
    account_id: Annotated[str, typer.Argument(help="The account, flagged or not.")],
    seeds: SeedsOption = None,
    platform: PlatformOption = None,
    seedless: SeedlessOption = False,
    db: DbOption = None,
) -> None:
    """Why an account is or is not flagged: its evidence, scored as `bastion detect` does over the scans as
    they stand (nothing kept)."""
    from bastion.graph.explain import explain

    chosen = read_seeds(seeds) if seeds is not None else ([] if seedless else None)
    service = open_bastion(db).graph
    done = service.compute(service.store.resolve_platform(platform), chosen)
    got = explain(done, account_id)
    # scored afresh, not read from a stored run: say with which seeds, so it reads as the run it matches
    scored = f"scored with {len(done.seeds)} seed(s)" if done.seeds else "scored without seeds"
    if done.seeds and chosen is None:  # neither --seeds nor --seedless: the seeds table's
        scored += " from the seeds table (--seedless: as a seedless run)"
    console.print(
        Panel.fit(
            f"[bold]{account_id}[/bold]: {got.status}\n"
            + (f"role: {got.member.role}" if got.flagged else f"its evidence leans: {got.member.role}")
            + f"\n[dim]{scored}, over the scans as they stand[/dim]",
            title="explain",
        )
    )
    for e in got.member.evidence:
        console.print(f"- {e.text}")


def _minor(exposure: object) -> int:
    return int(getattr(exposure, "minor_impressions", 0) or 0)


def _table(rows: list[tuple[str, float, int, dict[str, int], int]]) -> None:
    table = Table(title="networks")
    for c in ("id", "score", "members", "sellers", "buyers", "facilitators", "unknown", "shown to minors"):
        table.add_column(c, justify="left" if c == "id" else "right")
    for nid, score, size, roles, minors in rows:
        table.add_row(
            nid,
            f"{score:.2f}",
            str(size),
            *(str(roles.get(r, 0)) for r in ("seller", "buyer", "facilitator", "unknown")),
            str(minors),
        )
    console.print(table)


@handle_errors
def networks(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="table or json (platform-export format).")] = "table",
    platform: Annotated[str | None, typer.Option("--platform")] = None,
    db: DbOption = None,
) -> None:
    """List the latest run's networks; `--format json` writes them to stdout in the export format."""
    if ctx.invoked_subcommand is not None:
        return
    service = open_bastion(db).graph
    if fmt == "json":
        typer.echo(json.dumps(service.networks_json(platform), indent=1))
        return
    if fmt != "table":
        raise InputError(f"unknown format {fmt!r}: use json or table", field="--format")
    _table(
        [(s.network_id, s.score, s.size, s.roles, s.minor_impressions) for s in service.networks(platform)]
    )


@handle_errors
def show(
    network_id: Annotated[str, typer.Argument(help="Network id from `bastion networks`, e.g. 3-1.")],
    limit: Annotated[int, typer.Option("--limit", help="Members shown per role.")] = 25,
    db: DbOption = None,
) -> None:
    """Print a network's dossier: members by role with the evidence behind each, shared links, exposure."""
    render_dossier(open_bastion(db).graph.dossier(network_id), limit)


def render_dossier(d: Dossier, limit: int = 25) -> None:
    counts = ", ".join(f"{len(v)} {k}(s)" for k, v in d.members.items())
    console.print(
        Panel.fit(
            f"[bold]network {d.network_id}[/bold] on {d.platform!r} (run {d.run_id})\n"
            f"score {d.score:.2f}; {d.size} members: {counts}",
            title="dossier",
        )
    )
    for role, members in d.members.items():
        table = Table(title=f"{role}s", show_lines=True)
        table.add_column("account")
        table.add_column("score", justify="right")
        table.add_column("why")
        for m in members[:limit]:
            table.add_row(m.account_id, f"{m.score:.2f}", "\n".join([m.summary, *m.reasons]))
        console.print(table)
        if len(members) > limit:
            console.print(f"  … and {len(members) - limit} more {role}(s) (--limit to show more)")
    if d.shared_links:
        console.print(
            "[bold]shared link domains[/bold]: "
            + ", ".join(f"{dom} ({k} members)" for dom, k in d.shared_links)
        )
    if d.exposure:
        e = d.exposure
        console.print(
            f"[bold]recommendation exposure[/bold]: shown {e.get('impressions', 0)} times to "
            f"{e.get('viewers', 0)} accounts outside the network, {e.get('minor_impressions', 0)} times to "
            f"{e.get('minor_viewers', 0)} minors; "
            f"{e.get('follows_from_recommendation', 0)} follows came from "
            f"recommendations ({e.get('minor_follows_from_recommendation', 0)} by minors)"
        )


@handle_errors
def weights_fit(
    platform: PlatformOption = None,
    db: DbOption = None,
) -> None:
    """Re-fit the detection weights from reviewers' verdicts (closed cases); later runs use them."""
    store = open_store(db)
    fit = refit(store, store.resolve_platform(platform))
    console.print(fit.words())
    _weights_table(fit.weights)


@handle_errors
def weights_show(
    platform: PlatformOption = None,
    db: DbOption = None,
) -> None:
    """The weights the next `bastion detect` uses, and where they came from."""
    store = open_store(db)
    w = current_weights(store, store.resolve_platform(platform))
    console.print(w.describe())
    _weights_table(w)


def _weights_table(w: Weights) -> None:
    t = Table("feature", "weight", "default")
    for name in FEATURES:
        t.add_row(name, f"{w[name]:.3f}", f"{DEFAULT_WEIGHTS.get(name, 1.0):.1f}")
    console.print(t)
