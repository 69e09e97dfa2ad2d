"""``bastion lexicon``, ``bastion scan terms``, ``bastion terms`` and ``bastion guard``: the term guard's CLI.

Thin: each command parses its arguments, calls ``bastion.terms`` and prints. ``terms match`` writes plain JSON
lines to stdout (no rich markup) because other tools read it.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.table import Table

from bastion.cli.context import DbOption, command_group, console, err_console, handle_errors, open_store
from bastion.core.errors import InputError, NotFound
from bastion.core.model import CANARY_PLATFORM
from bastion.terms.guard import Action, Viewer
from bastion.terms.lexicon import Severity, parse_lexicon_csv
from bastion.terms.matcher import Matcher
from bastion.terms.policy_file import policy_from_settings
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import TermGuard
from bastion.terms.views import FieldKind

_BATCH = 1_000
_MATCH_KEYS = ("term", "category", "severity", "start", "end", "evasions", "lexicon")


def _by() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no passwd entry in some containers
        return "operator"


ByOption = Annotated[str | None, typer.Option("--by", help="Who makes the change (default: the OS user).")]
PlatformOption = Annotated[
    str | None, typer.Option("--platform", help="Platform name (default: the only one, or all).")
]


def register(app: typer.Typer) -> None:
    lexicon = command_group(app, "lexicon", "Operator term lists, versioned in the database.")
    lexicon.command("import")(lexicon_import)
    lexicon.command("list")(lexicon_list)
    lexicon.command("show")(lexicon_show)
    lexicon.command("remove")(lexicon_remove)
    command_group(app, "scan", "Scan ingested data into signals.").command("terms")(scan_terms)
    terms = command_group(app, "terms", "Term matching and variant discovery.")
    terms.command("discover")(terms_discover)
    terms.command("accept")(terms_accept)
    terms.command("reject")(terms_reject)
    terms.command("match")(terms_match)
    command_group(app, "guard", "Try the search guard.").command("search")(guard_search)


@handle_errors
def lexicon_import(
    file: Annotated[
        Path,
        typer.Argument(
            help=(
                "CSV: term,category,severity[,match][,note]; severity low, medium, high or critical (1-4): "
                "by default a critical term blocks a search for everyone and a lower one warns adults and "
                "blocks minors (BASTION_GUARD_POLICY); only blocked searches are evidence for detection"
            )
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help="Lexicon name (default: file stem).")] = None,
    source: Annotated[str, typer.Option("--source", help="Partner or origin of the list.")] = "",
    by: ByOption = None,
    lint_words: Annotated[
        int, typer.Option("--lint-words", help="Dictionary size for lint; 0: off.")
    ] = 50_000,
    db: DbOption = None,
) -> None:
    """Import (or re-import) a lexicon: only the changes are recorded; removed terms keep their history."""
    lexicon = parse_lexicon_csv(file, name=name)
    if lint_words:
        from bastion.core.errors import ConfigError
        from bastion.terms.lint import default_dictionary, lint

        try:
            warnings = lint(lexicon, default_dictionary(lint_words))
        except ConfigError as exc:
            err_console.print(f"[yellow]lint skipped:[/yellow] {exc}")
            warnings = []
        for w in warnings:
            words = f" (e.g. {', '.join(w.words)})" if w.words else ""
            err_console.print(
                f"[yellow]warning:[/yellow] {file}, line {w.line}: {w.term!r}: {w.message}{words}"
            )
    with open_store(db) as store:
        s = LexiconRepository(store).import_lexicon(lexicon, by=by or _by(), source=source, file=str(file))
    verb = "created" if s.created else "updated"
    console.print(
        f"lexicon [bold]{s.lexicon}[/bold] {verb}: {len(s.added)} added, {len(s.changed)} changed, "
        f"{len(s.removed)} removed, {s.unchanged} unchanged; allowlist +{s.allow_added} -{s.allow_removed}"
    )


@handle_errors
def lexicon_list(db: DbOption = None) -> None:
    """Every lexicon with its live term and allowlist counts."""
    with open_store(db) as store:
        infos = LexiconRepository(store).lexicons()
    table = Table("name", "source", "active", "terms", "allow", "created by", "created at")
    for i in infos:
        table.add_row(
            i.name, i.source, "yes" if i.active else "no", str(i.terms), str(i.allow), i.created_by,
            i.created_at.isoformat(timespec="seconds"),
        )  # fmt: skip
    console.print(table)


@handle_errors
def lexicon_show(
    name: str,
    history: Annotated[bool, typer.Option("--history", help="Also show removed and replaced rows.")] = False,
    db: DbOption = None,
) -> None:
    """The terms of one lexicon, with who added (and removed) each and when."""
    with open_store(db) as store:
        rows = LexiconRepository(store).entries(name, history=history)
    table = Table("term", "category", "severity", "match", "added", "removed", "note")
    for r in rows:
        added = f"{r.added_by} {r.added_at.isoformat(timespec='seconds')}"
        removed = f"{r.removed_by} {r.removed_at.isoformat(timespec='seconds')}" if r.removed_at else ""
        table.add_row(r.term, r.category, r.severity.name.lower(), r.match.value, added, removed, r.note)
    console.print(table)


@handle_errors
def lexicon_remove(name: str, term: str, by: ByOption = None, db: DbOption = None) -> None:
    """Take a term out of a lexicon (its history stays)."""
    with open_store(db) as store:
        LexiconRepository(store).remove_term(name, term, by=by or _by())
    console.print(f"removed {term!r} from {name}")


def _platforms(guard: TermGuard, platform: str | None) -> list[str]:
    known = guard.platforms()
    if platform is not None:
        if platform not in known:
            raise NotFound(f"no ingested platform {platform!r} (have: {', '.join(known) or 'none'})")
        return [platform]
    return [p for p in known if p != CANARY_PLATFORM]  # review's canary is no platform to scan or search


@handle_errors
def scan_terms(platform: PlatformOption = None, db: DbOption = None) -> None:
    """Scan usernames, display names, bios, post text and hashtags with the active lexicons, and replay
    ingested searches through the guard."""
    with open_store(db) as store:
        guard = TermGuard.from_store(store, policy_from_settings())
        if not guard.matcher.terms:
            raise NotFound("no active lexicon terms: run `bastion lexicon import FILE` first")
        for p in _platforms(guard, platform):
            matches = guard.scan(p)
            blocked = guard.scan_searches(p)
            console.print(f"{p}: {matches:,} term_match signals, {blocked:,} blocked_search signals")


def _one_platform(guard: TermGuard, platform: str | None) -> str:
    names = _platforms(guard, platform)
    if len(names) != 1:
        raise InputError(f"choose a platform with --platform (have: {', '.join(names) or 'none'})")
    return names[0]


@handle_errors
def terms_discover(
    top: Annotated[int, typer.Option("--top", help="How many candidates to show.")] = 20,
    platform: PlatformOption = None,
    db: DbOption = None,
) -> None:
    """Propose new terms that keep company with known matches, ranked by lift; decided ones are skipped."""
    with open_store(db) as store:
        guard = TermGuard.from_store(store, policy_from_settings())
        found = guard.discover(_one_platform(guard, platform), limit=top)
    table = Table("#", "candidate", "lift", "score", "support", "seen", "examples")
    for rank, c in enumerate(found, 1):
        ex = "; ".join(f"{e.kind} {e.context_id} with {', '.join(e.known)}" for e in c.examples)
        table.add_row(
            str(rank), c.item, f"{c.lift:.1f}", f"{c.score:.2f}", str(c.support), str(c.background), ex
        )
    console.print(table)
    console.print("accept with `bastion terms accept TERM --lexicon NAME`, or `bastion terms reject TERM`")


@handle_errors
def terms_accept(
    term: str,
    lexicon: Annotated[str, typer.Option("--lexicon", help="Lexicon to add it to (created if missing).")],
    category: Annotated[str | None, typer.Option(help="Default: that of the terms it was seen with.")] = None,
    severity: Annotated[str | None, typer.Option(help="1-4 or low|medium|high|critical.")] = None,
    by: ByOption = None,
    db: DbOption = None,
) -> None:
    """Accept a discovered candidate into a lexicon."""
    try:
        sev = Severity.parse(severity) if severity else None
    except ValueError as exc:
        raise InputError(str(exc), field="severity") from None
    with open_store(db) as store:
        t = LexiconRepository(store).accept(term, lexicon, by=by or _by(), category=category, severity=sev)
    console.print(f"accepted {t.text!r} into {lexicon} ({t.category}, {t.severity.name.lower()})")


@handle_errors
def terms_reject(term: str, by: ByOption = None, db: DbOption = None) -> None:
    """Reject a candidate: discovery will not propose it (or any spelling with its skeleton) again."""
    with open_store(db) as store:
        LexiconRepository(store).reject(term, by=by or _by())
    console.print(f"rejected {term!r}")


def _lines(stream: TextIO) -> Iterator[list[str]]:
    batch: list[str] = []
    for raw in stream:
        batch.append(raw.rstrip("\r\n"))
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@handle_errors
def terms_match(
    lexicon: Annotated[list[Path], typer.Option("--lexicon", help="Lexicon CSV (repeatable).")],
    field: Annotated[FieldKind, typer.Option("--field", help="How to read each line.")] = FieldKind.TEXT,
) -> None:
    """Read one text per line on stdin; write one JSON object per line on stdout, in input order."""
    matcher = Matcher([parse_lexicon_csv(p) for p in lexicon])
    out = sys.stdout
    for batch in _lines(sys.stdin):
        for text, found in zip(batch, matcher.match_many(batch, field), strict=True):
            matches = [{k: v for k, v in m.as_dict().items() if k in _MATCH_KEYS} for m in found]
            out.write(json.dumps({"text": text, "matches": matches}, ensure_ascii=False) + "\n")
        out.flush()


@handle_errors
def guard_search(
    query: str,
    viewer: Annotated[
        str | None, typer.Option("--viewer", help="Account id of the person searching.")
    ] = None,
    age_band: Annotated[str, typer.Option("--age-band", help="minor|adult|unknown")] = "unknown",
    platform: PlatformOption = None,
    record: Annotated[
        bool, typer.Option("--record", help="Store a block as a blocked_search signal (needs --viewer).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Show what the search guard decides for QUERY with the active lexicons (a trial: nothing is stored
    unless --record)."""
    with open_store(db) as store:
        guard = TermGuard.from_store(store, policy_from_settings())
        who = Viewer(viewer, age_band=age_band)
        if record:
            if not viewer:
                raise InputError("--record needs --viewer", field="viewer")
            d = guard.guard(_one_platform(guard, platform), query, who)
        else:
            d = guard.search_guard.guard_search(query, who)
    colour = {Action.ALLOW: "green", Action.WARN: "yellow", Action.BLOCK: "red"}[d.action]
    console.print(f"[{colour} bold]{d.action.value}[/]")
    if d.message:
        console.print(d.message)
    for r in d.resources:
        console.print(f"  help: {r.name} {r.url} {r.phone}".rstrip())
    for m in d.matches:
        console.print(
            f"  matched {m.term!r} ({m.category}, {m.severity.name.lower()}) evasions: {list(m.evasions)}"
        )
