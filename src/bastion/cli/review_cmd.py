"""``bastion serve``, ``audit verify``, ``doctor``, ``users add``, ``tokens create``, ``triage``,
``refer``: thin wrappers over :mod:`bastion.review` and the service app."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, command_group, console, handle_errors, open_bastion, open_store
from bastion.core.errors import ConfigError, InputError
from bastion.core.roles import Role
from bastion.enforce.webhook import delivery_counts
from bastion.review import audit
from bastion.review.audit_anchor import Anchorer, FileSink, audit_settings, load_anchors
from bastion.review.auth import Auth, Principal
from bastion.review.health import check
from bastion.review.policy import CHILD_SAFETY
from bastion.review.referral import refer
from bastion.review.settings import load_review_settings
from bastion.review.triage import triage_pending
from bastion.store import migrate
from bastion.system.jobs import declared_jobs

users_app = typer.Typer(help="Console logins for people.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for platforms (and monitoring).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("doctor")(doctor)
    app.command("triage")(triage)
    app.command("refer")(refer_case)
    audit_app = command_group(
        app, "audit", "Audits: what the platform's algorithms did, and Bastion's own log."
    )
    audit_app.command("verify")(audit_verify)
    audit_app.command("checkpoint")(audit_checkpoint)
    users_app.command("add")(users_add)
    tokens_app.command("create")(tokens_create)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes serving requests; background jobs run on one elected leader among them "
            "(and among every machine on the same PostgreSQL).",
        ),
    ] = 1,
    db: DbOption = None,
) -> None:
    """Run the API and review console (uvicorn); triage, the pipeline monitor, follow-through, exchange
    syncs and the other background jobs run on the elected leader."""
    import os

    import uvicorn

    from bastion.api.service import create_app

    bastion = open_bastion(db)
    bastion.review  # noqa: B018 - build it now: a default secret in production fails here, not on a request
    jobs = ", ".join(j.name for j in declared_jobs(bastion))
    console.print(f"Bastion on http://{host}:{port}/ (console /login, API docs /docs, health /healthz)")
    console.print(f"background jobs (leader only): {jobs}", soft_wrap=True, highlight=False)
    if workers == 1:
        uvicorn.run(create_app(bastion), host=host, port=port, log_level="warning")
        return
    if bastion.store.engine.dialect.name == "sqlite":
        console.print(
            "[yellow]note:[/yellow] SQLite takes one writer at a time across all workers; "
            "use PostgreSQL to gain from more than one",
            highlight=False,
        )
    os.environ["BASTION_DATABASE_URL"] = bastion.store.url  # each worker opens its own façade from it
    bastion.close()
    # uvicorn kills a worker that misses a 5 s ping and starts another: on a busy machine a worker still
    # importing would be replaced forever. A minute still catches a hung worker.
    uvicorn.run(
        "bastion.api.service:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_worker_healthcheck=60,
    )


@handle_errors
def refer_case(
    by: Annotated[str, typer.Option("--by", help="Who refers it (a reviewer's or lead's name).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it needs review.")],
    account: Annotated[
        list[str] | None,
        typer.Option("--account", help="An account, judged alone (even a network's member); repeatable."),
    ] = None,
    network: Annotated[str | None, typer.Option("--network", help="A detected network's id.")] = None,
    category: Annotated[str, typer.Option("--category", help="The case's policy category.")] = CHILD_SAFETY,
    platform: Annotated[str | None, typer.Option("--platform", help="Platform name.")] = None,
    db: DbOption = None,
) -> None:
    """Open a case no one reported, on each account (one case each) or on a detected network (audited with
    the reason); a case already open on it is named instead."""
    if account and network is not None:
        raise InputError("refer accounts or a network, not both", field="--account")
    store = open_store(db)
    name = store.resolve_platform(platform)
    me = Principal(by, Role.LEAD, "cli")
    asked: list[tuple[str | None, str | None]] = [(a, None) for a in account or []] or [(None, network)]
    for one, net in asked:
        got = refer(store.engine, me, name, reason, account=one, network=net, category=category)
        what = f"account {one}" if one is not None else f"network {net}"
        state = "opened" if got["created"] else "already open"
        console.print(f"case {got['case_id']} {state} on {what} ({name})", highlight=False)


@handle_errors
def audit_verify(
    anchors: Annotated[
        Path | None,
        typer.Option(
            "--anchors",
            help="Checkpoint file (JSON lines) to check against, instead of $BASTION_AUDIT_ANCHOR.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Recompute the keyed audit chain and hold it against the signed checkpoints; exit 1 if any row was
    edited, re-hashed, inserted or deleted, or rows below a checkpoint are gone."""
    settings = audit_settings().checked()
    engine = open_store(db).engine
    given = None
    if anchors is not None:
        if not anchors.is_file():
            raise InputError("no such checkpoint file", file=str(anchors))
        given = load_anchors(FileSink(anchors), settings.key())
        if given is None or not (given.checkpoints or given.rejected):
            raise InputError("holds no checkpoint", file=str(anchors))
    verdict = audit.verify(engine, anchors=given)
    for note in verdict.notes:
        console.print(f"[yellow]note:[/yellow] {note}", soft_wrap=True, highlight=False)
    if verdict.ok:
        anchored = (
            f", {verdict.anchors} checkpoint(s) up to row {verdict.anchored_seq}"
            if verdict.anchored_seq
            else ""
        )
        console.print(f"audit chain intact: {verdict.rows} rows, head {verdict.head}{anchored}")
        return
    console.print(f"[red]audit chain BROKEN from row {verdict.first_bad}[/red]", highlight=False)
    for problem in verdict.problems:
        console.print(f"[red]BROKEN[/red] {problem}", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


@handle_errors
def audit_checkpoint(db: DbOption = None) -> None:
    """Write a signed checkpoint of the audit head to $BASTION_AUDIT_ANCHOR (the service does this on a
    schedule; run it from cron when the service is not running)."""
    settings = audit_settings().checked()
    if settings.audit_anchor is None:
        raise ConfigError("set BASTION_AUDIT_ANCHOR to a file path, an http(s) URL or a database URL")
    cp = Anchorer(settings).checkpoint(open_store(db).engine, force=True)
    assert cp is not None
    console.print(f"checkpoint: row {cp.seq}, head {cp.hash}, at {cp.at} -> {settings.audit_anchor}")


@handle_errors
def doctor(db: DbOption = None) -> None:
    """Pipeline state: schema, backlog, canary, audit chain, action deliveries; exit 1 when something needs
    attention (dead-lettered deliveries included: ``/healthz`` leaves them out, as intake still works)."""
    settings = load_review_settings()
    audit_settings().checked()
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
    table.add_row(
        "audit chain",
        f"intact ({verdict.rows} rows, {verdict.anchors} checkpoint(s))"
        if verdict.ok
        else f"[red]BROKEN from row {verdict.first_bad}[/red]",
    )
    deliveries = delivery_counts(store)
    dead = deliveries.get("dead", 0)
    table.add_row(
        "action deliveries",
        f"{deliveries.get('pending', 0)} pending, "
        + (f"[red]{dead} dead-lettered[/red]" if dead else "none dead-lettered"),
    )
    console.print(table)
    if dead:  # the platform never received these actions: a silent enforcement gap until someone looks
        console.print(
            f"[red]problem:[/red] {dead} action deliveries are dead-lettered: the platform never received "
            "them; fix its receiver, then re-queue them on the console's deliveries page",
            soft_wrap=True,
            highlight=False,
        )
    for note in verdict.notes:
        console.print(f"[yellow]note:[/yellow] {note}", soft_wrap=True, highlight=False)
    for problem in (*health.problems, *verdict.problems):
        console.print(f"[red]problem:[/red] {problem}", soft_wrap=True, highlight=False)
    if not (health.ok and verdict.ok and current == heads and not dead):
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
