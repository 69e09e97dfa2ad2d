"""``bastion ingest``: load a platform-export folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, console, err_console, handle_errors, open_store
from bastion.core.settings import load_settings
from bastion.ingest import Ingestor, IngestSummary
from bastion.ingest.progress import file_progress
from bastion.store import Store


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


@handle_errors
def ingest(
    folder: Annotated[Path, typer.Argument(help="Export folder: one CSV, JSONL or Parquet file per table.")],
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first bad row.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Reload files that were loaded whole before.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Load a platform export (see the export format in the README); safe to re-run, resumes after a crash."""
    store = open_store(db)
    with file_progress(err_console) as report:
        summary = Ingestor(store, batch_rows=load_settings().ingest_batch_rows).ingest(
            folder, strict=strict, force=force, progress=report
        )
    print_summary(summary)
    after_ingest(store, summary.platform)
    skipped = any(t.skipped_files or t.resumed_from for t in summary.tables.values())
    if summary.accepted == 0 and not skipped:
        err_console.print(
            f"[red]nothing was loaded[/red] from {folder}: every file was empty, refused or rejected",
            soft_wrap=True,
            highlight=False,
        )
        raise typer.Exit(1)
    if summary.failed_files:
        raise typer.Exit(1)
    if summary.rejected:
        raise typer.Exit(1 if strict else 0)


def after_ingest(store: Store, platform: str) -> None:
    """What must happen as soon as new data is in: reports reach the review queues, and new accounts are
    checked against disabled ones (ban evasion), without waiting for anyone to remember a command."""
    from bastion.enforce.evasion_store import scan_evasion
    from bastion.review.triage import triage_pending

    triaged = 0
    while (stats := triage_pending(store.engine)).triaged:
        triaged += stats.triaged
    links = scan_evasion(store, platform)
    console.print(
        f"after ingest: {triaged:,} report(s) triaged into review queues; "
        f"{len(links):,} likely re-created account(s) linked to disabled ones",
        soft_wrap=True,
    )


def print_summary(summary: IngestSummary) -> None:
    """Figures in a table; notes and errors on lines of their own, never wrapped, so they can be grepped."""
    table = Table(title=f"ingest summary: platform {summary.platform!r}")
    table.add_column("table")
    for column in ("rows read", "accepted", "rejected"):
        table.add_column(column, justify="right")
    for name, t in summary.tables.items():
        table.add_row(name, f"{t.read:,}", f"{t.accepted:,}", f"{t.rejected:,}")
    console.print(table)
    for name, t in summary.tables.items():
        if t.skipped_files:
            console.print(f"  {name}: unchanged, skipped: {', '.join(t.skipped_files)}", soft_wrap=True)
        if t.resumed_from:
            console.print(f"  {name}: resumed after {t.resumed_from:,} rows", soft_wrap=True)
    for error in summary.failed_files:
        console.print(f"  [red]file refused[/red] {error}", soft_wrap=True, highlight=False)
    for error in summary.errors:
        console.print(f"  [yellow]rejected[/yellow] {error}", soft_wrap=True, highlight=False)
    if summary.rejected > len(summary.errors):
        more = summary.rejected - len(summary.errors)
        console.print(f"  … and {more:,} more (all kept in table ingest_rejects)", soft_wrap=True)
    if summary.ignored_files:
        ignored = ", ".join(summary.ignored_files)
        console.print(f"  ignored files (not a table of the export format): {ignored}", soft_wrap=True)
