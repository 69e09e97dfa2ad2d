"""``bastion serve``, ``audit verify``, ``doctor``, ``users add``, ``tokens create``, ``triage``: thin
wrappers over :mod:`bastion.review` and the service app."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, console, handle_errors, open_store
from bastion.review import audit
from bastion.review.auth import Auth, Role
from bastion.review.health import check
from bastion.review.settings import load_review_settings
from bastion.review.triage import triage_pending
from bastion.store import migrate

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
users_app = typer.Typer(help="Console logins for people.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for platforms (and monitoring).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("doctor")(doctor)
    app.command("triage")(triage)
    audit_app.command("verify")(audit_verify)
    users_app.command("add")(users_add)
    tokens_app.command("create")(tokens_create)
    app.add_typer(audit_app, name="audit")
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Run the API and review console (uvicorn), with triage and the pipeline monitor in the background."""
    import uvicorn

    from bastion.api.service import create_app
    from bastion.review.service import Review

    settings = load_review_settings()
    review = Review(open_store(db), settings)
    console.print(f"Bastion on http://{host}:{port}/ (console /login, API docs /docs, health /healthz)")
    uvicorn.run(create_app(review), host=host, port=port, log_level="warning")


@handle_errors
def audit_verify(db: DbOption = None) -> None:
    """Recompute the audit chain; exit 1 if any row was edited, inserted or deleted."""
    verdict = audit.verify(open_store(db).engine)
    if verdict.ok:
        console.print(f"audit chain intact: {verdict.rows} rows, head {verdict.head}")
        return
    for problem in verdict.problems:
        console.print(f"[red]BROKEN[/red] {problem}", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


@handle_errors
def doctor(db: DbOption = None) -> None:
    """Pipeline state: schema, backlog, canary, audit chain, people; exit 1 when something needs attention."""
    settings = load_review_settings()
    store = open_store(db)
    current, heads = migrate.current_revisions(store.engine), migrate.head_revisions()
    health = check(store.engine, settings.queue_bound_seconds)
    verdict = audit.verify(store.engine)
    table = Table("check", "state", title=f"bastion doctor ({store.dialect})")
    table.add_row(
        "schema", "at head" if current == heads else f"[red]behind: {sorted(heads - current)}[/red]"
    )
    table.add_row("pipeline", "[green]ok[/green]" if health.ok else "[red]DEGRADED[/red]")
    table.add_row("reports waiting for a queue", f"{health.pending} ({health.overdue} overdue)")
    canary = (
        "never injected (start `bastion serve`)"
        if health.last_canary_at is None
        else (
            f"{health.last_canary_at:%Y-%m-%d %H:%M:%S}Z, "
            + (
                f"queued in {health.last_canary_latency:.2f}s"
                if health.last_canary_latency is not None
                else "waiting"
            )
        )
    )
    table.add_row("last canary", canary)
    table.add_row("audit chain", f"intact ({verdict.rows} rows)" if verdict.ok else "[red]BROKEN[/red]")
    console.print(table)
    for problem in (*health.problems, *verdict.problems):
        console.print(f"[red]problem:[/red] {problem}", soft_wrap=True, highlight=False)
    if not (health.ok and verdict.ok and current == heads):
        raise typer.Exit(1)


@handle_errors
def triage(db: DbOption = None) -> None:
    """Put every report not yet in a case into one (the service does this continuously)."""
    engine = open_store(db).engine
    total = created = 0
    while True:
        stats = triage_pending(engine)
        if not stats.triaged:
            break
        total, created = total + stats.triaged, created + stats.created
    console.print(f"triaged {total} report(s) into {created} new case(s)")


@handle_errors
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help="admin, lead, reviewer or auditor.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Add a person; without --password-stdin a random password is generated and shown once."""
    settings = load_review_settings()
    store = open_store(db)
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(15)
    Auth(store.engine, settings.secret_key.get_secret_value()).add_user(name, Role(role), password)
    audit.record(store.engine, "cli", "user.add", f"user:{name}", {"role": role})
    console.print(f"user {name} ({role}) added")
    if not password_stdin:
        console.print(f"password (shown once): {password}", highlight=False)


@handle_errors
def tokens_create(
    platform: Annotated[str, typer.Argument(help="Platform the token writes reports for (or a label).")],
    role: Annotated[
        str, typer.Option("--role", help="platform, or auditor for a metrics scraper.")
    ] = "platform",
    db: DbOption = None,
) -> None:
    """Create an API token; it is shown once, only its keyed hash is stored."""
    if role not in ("platform", "auditor"):
        raise typer.BadParameter("role must be platform or auditor")
    settings = load_review_settings()
    store = open_store(db)
    token = Auth(store.engine, settings.secret_key.get_secret_value()).create_token(platform, role)
    audit.record(store.engine, "cli", "token.create", f"token:{platform}", {"role": role})
    console.print(f"token for {platform} ({role}), shown once:")
    console.print(token, highlight=False, soft_wrap=True)
