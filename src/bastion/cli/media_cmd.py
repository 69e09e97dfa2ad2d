"""``bastion hash``, ``bastion bank ...`` and ``bastion scan media``: known-media matching's CLI.

Thin: parse, call ``bastion.media``, print. ``hash --format json`` writes plain JSON lines to stdout (no rich
markup) because other tools read it; a file that cannot be hashed gets an error line on stderr and a non-zero
exit, after every other file has been hashed.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, command_group, console, err_console, handle_errors, open_store
from bastion.core.errors import InputError, NotFound
from bastion.media import HASH_TYPES
from bastion.media.hashing import MediaError, hash_file
from bastion.media.repository import BankRepository
from bastion.media.service import MediaMatcher

ByOption = Annotated[str | None, typer.Option("--by", help="Who makes the change (default: the OS user).")]
IndexOption = Annotated[
    Path | None,
    typer.Option("--index-dir", help="On-disk index (default: bastion-index/ beside a SQLite database)."),
]


def _by(by: str | None) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry in some containers
        return "operator"


def register(app: typer.Typer) -> None:
    app.command("hash")(hash_files)
    bank = command_group(app, "bank", "Hash lists (banks) of known media, versioned in the database.")
    bank.command("import")(bank_import)
    bank.command("export")(bank_export)
    bank.command("list")(bank_list)
    bank.command("remove")(bank_remove)
    bank.command("types")(bank_types)
    command_group(app, "scan", "Scan ingested data into signals.").command("media")(scan_media)


def hash_files(
    files: Annotated[list[Path], typer.Argument(help="Images or videos.")],
    fmt: Annotated[str, typer.Option("--format", help="json (one object a line) or table.")] = "json",
    rotations: Annotated[
        bool, typer.Option("--rotations", help="Also the PDQ of the 8 rotations/flips.")
    ] = False,
    reframes: Annotated[
        bool,
        typer.Option("--reframes", help="Also the PDQ of the 19 re-framings that undo a small border crop."),
    ] = False,
) -> None:
    """PDQ (+quality), vPDQ for video, MD5 and SHA-256 of each file."""
    if fmt not in ("json", "table"):
        err_console.print(f"[red]input error:[/red] unknown format {fmt!r} (json, table)")
        raise typer.Exit(2)
    failed = 0
    table = Table("path", "pdq", "quality", "md5", "sha256")
    for path in files:
        try:
            h = hash_file(path, dihedral=rotations, reframe=reframes)
        except MediaError as exc:
            failed += 1
            err_console.print(f"[red]error:[/red] {exc}", soft_wrap=True, highlight=False)
            continue
        record = h.as_json()
        if rotations:
            record["rotations"] = h.dihedral
        if fmt == "json":
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()
        else:
            pdq = h.pdq or f"(video, {len(h.vpdq or ())} frames)"
            table.add_row(h.path, pdq, str(h.quality if h.quality is not None else ""), h.md5, h.sha256)
    if fmt == "table":
        console.print(table)
    if failed:
        raise typer.Exit(1)


@handle_errors
def bank_import(
    file: Annotated[
        Path, typer.Argument(help="CSV (type,value,list,tags,note), JSON, or threatexchange .txt")
    ],
    list_name: Annotated[str | None, typer.Option("--list", help="Put every entry in this list.")] = None,
    threshold: Annotated[
        int | None, typer.Option("--threshold", help="PDQ distance for the list(s).")
    ] = None,
    negative: Annotated[
        bool, typer.Option("--negative", help="A list of known false positives (suppresses matches).")
    ] = False,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Import hashes into lists; entries already in their list are skipped."""
    with open_store(db) as store:
        summary = BankRepository(store).import_file(
            file, by=_by(by), list_name=list_name, threshold=threshold, negative=True if negative else None
        )
    console.print(
        f"{', '.join(summary.lists) or 'no list'}: {summary.added:,} added, "
        f"{summary.skipped:,} already present"
    )
    for reason, count in summary.unmatchable:
        console.print(f"[yellow]{count:,} of those added can never match: {reason} (kept as listed)[/yellow]")


@handle_errors
def bank_export(
    name: str,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or threatexchange.")] = "csv",
    db: DbOption = None,
) -> None:
    """Write a list's active entries to stdout."""
    with open_store(db) as store:
        text = BankRepository(store).export(name, fmt)
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


@handle_errors
def bank_list(db: DbOption = None) -> None:
    """Every list with its threshold, kind and live entry count."""
    with open_store(db) as store:
        infos = BankRepository(store).lists()
    table = Table("name", "threshold", "kind", "entries", "created by", "created at")
    for i in infos:
        kind = "negative" if i.negative else "positive"
        when = i.created_at.isoformat(timespec="seconds")
        table.add_row(i.name, str(i.threshold), kind, f"{i.entries:,}", i.created_by, when)
    console.print(table)


def bank_types() -> None:
    """The registered hash types (built-in and from ``bastion.hash_types`` plugins) and what each accepts."""
    table = Table("name", "also accepted", "export key", "CyberTipline", "match", "threshold")
    for t in HASH_TYPES:
        spellings = ", ".join(sorted({*t.aliases, t.field} - {t.name}))
        kind = "near (distance)" if t.perceptual else "exact"
        table.add_row(t.name, spellings, t.field, t.cybertip_label, kind, str(t.default_threshold))
    console.print(table)
    for error in HASH_TYPES.plugin_errors:
        err_console.print(f"[red]plugin error:[/red] {error}", soft_wrap=True, highlight=False)
    if HASH_TYPES.plugin_errors:
        raise typer.Exit(1)


@handle_errors
def bank_remove(
    name: str, value: str, by: ByOption = None, db: DbOption = None, index_dir: IndexOption = None
) -> None:
    """Take a hash out of a list: it stops matching at once; the entry's history stays."""
    with open_store(db) as store:
        ids = BankRepository(store, index_dir).remove(name, value, by=_by(by))
    console.print(f"removed {len(ids)} entr{'y' if len(ids) == 1 else 'ies'} from {name}")


@handle_errors
def scan_media(
    platform: Annotated[str | None, typer.Option("--platform", help="Platform (default: every one).")] = None,
    db: DbOption = None,
    index_dir: IndexOption = None,
) -> None:
    """Match every media hash of the ingested posts against the lists; write hash_match signals."""
    with open_store(db) as store:
        repo = BankRepository(store, index_dir)
        matcher = repo.matcher
        if not repo.lists():
            raise NotFound("no hash lists: run `bastion bank import FILE` first")
        service = MediaMatcher(store, matcher)
        names = service.platforms()
        if platform is not None:
            if platform not in names:
                raise InputError(f"no ingested media for platform {platform!r} (have: {', '.join(names)})")
            names = [platform]
        for p in names:
            s = service.scan(p)
            console.print(
                f"{p}: {s.media_rows:,} media, {s.matched_media:,} matched → {s.posts:,} posts, "
                f"{s.accounts:,} accounts ({s.signals:,} hash_match signals); {s.suppressed:,} suppressed by "
                f"negative lists, {s.low_quality:,} below PDQ quality 50"
            )
        saved = repo.save()
    if saved is not None:
        console.print(
            f"[dim]index saved to {saved} (reloaded {'from disk' if repo.reloaded else 'fresh'})[/dim]"
        )
