"""``bastion cybertip`` and ``bastion preservation``: thin commands over ``bastion.report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, command_group, console, handle_errors, open_store
from bastion.core.errors import InputError
from bastion.enforce import load_enforce_settings
from bastion.enforce.status import platforms_with_decisions
from bastion.store import Store

PlatformOption = Annotated[str | None, typer.Option("--platform", help="Platform name (default: all).")]
ByOption = Annotated[str, typer.Option("--by", help="Who acts (the lead's name).")]


def register(app: typer.Typer) -> None:
    cybertip = command_group(app, "cybertip", "CyberTipline reports to NCMEC.")
    cybertip.command("drafts")(cybertip_drafts)
    cybertip.command("build")(cybertip_build)
    cybertip.command("submit")(cybertip_submit)
    preservation = command_group(app, "preservation", "Preserved report contents (2258A(h)).")
    preservation.command("list")(preservation_list)
    preservation.command("purge")(preservation_purge)


def _split_case(case: str, store: Store) -> tuple[str, str]:
    if ":" in case:
        platform, account = case.split(":", 1)
        return platform, account
    names = platforms_with_decisions(store)
    if len(names) != 1:
        raise InputError("name the case as PLATFORM:ACCOUNT_ID", field="case")
    return names[0], case


@handle_errors
def cybertip_drafts(platform: PlatformOption = None, db: DbOption = None) -> None:
    """Drafts that final review decisions opened (by the decision policy), with their case and decision."""
    from bastion.report.service import CyberTipService

    with open_store(db) as store:
        drafts = CyberTipService(store, load_enforce_settings()).drafts(platform)
    table = Table("draft", "platform", "account", "case", "decision", "opened")
    for d in drafts:
        table.add_row(
            str(d.local_id),
            d.platform,
            d.account_id,
            str(d.case_id),
            str(d.decision_id),
            f"{d.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    console.print(f"{len(drafts)} draft(s); build one with `bastion cybertip build --draft ID`")


@handle_errors
def cybertip_build(
    case: Annotated[
        str | None, typer.Argument(help="PLATFORM:ACCOUNT_ID (or ACCOUNT_ID on a single platform).")
    ] = None,
    draft: Annotated[
        int | None, typer.Option("--draft", help="Build this draft (from `cybertip drafts`) instead.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the XML here.")] = None,
    db: DbOption = None,
) -> None:
    """Build and validate the report XML (of a decision's draft, or for an account outside a case)."""
    from bastion.report.service import CyberTipService

    settings = load_enforce_settings()
    with open_store(db) as store:
        if (case is None) == (draft is None):
            raise InputError("give a draft id (--draft) or PLATFORM:ACCOUNT_ID, not both", field="case")
        service = CyberTipService(store, settings)
        if draft is not None:
            built = service.build_draft(draft)
        else:
            assert case is not None
            platform, account = _split_case(case, store)
            built = service.build(platform, account, case_ref=case)
    if out:
        out.write_bytes(built.xml)
    console.print(
        f"report {built.local_id} built and schema-valid ({len(built.xml)} bytes)"
        + (f" → {out}" if out else "")
    )


@handle_errors
def cybertip_submit(
    case: Annotated[str, typer.Argument(help="The local report id printed by `cybertip build`.")],
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Submit a built report (test environment unless BASTION_CYBERTIP_ENVIRONMENT=production) and finish it.

    Bastion holds hashes, not files: files are described by hash; uploading their bytes is the platform's
    step through the Python API (``CyberTipService.submit(fetch=...)``). No staff views are logged here, so
    ``fileViewedByEsp`` is false for every file.
    """
    from bastion.report.preservation import PreservationVault
    from bastion.report.service import CyberTipService

    settings = load_enforce_settings()
    with open_store(db) as store:
        vault = PreservationVault(
            store, settings.fernet_key(), days=settings.preservation_days, reader_roles=settings.reader_roles
        )
        service = CyberTipService(store, settings, vault=vault)
        if not case.isdigit():
            raise InputError(
                f"{case!r} is not a report id (the number `cybertip build` printed)", field="case"
            )
        result = service.submit(int(case), views=[], fetch=lambda _f: None, actor=by)
    console.print(
        f"report {result.local_id}: NCMEC report {result.ncmec_report_id} {result.status}; "
        f"{result.files_sent} file(s) sent, {result.files_skipped} left for the platform to upload"
    )


@handle_errors
def preservation_list(db: DbOption = None) -> None:
    """Preserved items with their periods and any destruction record (no contents)."""
    from bastion.report.preservation import PreservationVault

    settings = load_enforce_settings()
    with open_store(db) as store:
        items = PreservationVault(store, settings.fernet_key(), days=settings.preservation_days).items()
    table = Table("item", "report (or account, action)", "platform", "kind", "since", "until", "destroyed")
    for i in items:
        gone = f"{i.destroyed_at:%Y-%m-%d} by {i.destroyed_by}: {i.destroy_reason}" if i.destroyed_at else ""
        table.add_row(
            str(i.item_id),
            str(i.local_id) if i.local_id is not None else f"{i.account_id} ({i.action_ref})",
            i.platform,
            i.kind,
            f"{i.started_at:%Y-%m-%d}",
            f"{i.preserve_until:%Y-%m-%d}",
            gone,
        )
    console.print(table)


@handle_errors
def preservation_purge(by: Annotated[str, typer.Option("--by")] = "scheduler", db: DbOption = None) -> None:
    """Purge every item whose preservation period has ended (each purge is recorded)."""
    from bastion.report.preservation import PreservationVault

    settings = load_enforce_settings()
    with open_store(db) as store:
        n = PreservationVault(store, settings.fernet_key(), days=settings.preservation_days).purge_due(
            actor=by
        )
    console.print(f"purged {n} item(s) past their preservation period")
