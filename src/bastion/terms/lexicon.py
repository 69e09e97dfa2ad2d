"""Lexicons as operators write them: a CSV of ``term,category,severity[,match][,note]``.

Several lexicons are used at once (a partner's list and the platform's own), so every term remembers which
lexicon and line it came from; evidence and lint warnings can then point back to the exact row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from pathlib import Path

from bastion.core.errors import InputError
from bastion.terms.keys import canonical_many

REQUIRED_COLUMNS = ("term", "category", "severity")
OPTIONAL_COLUMNS = ("match", "note")


class MatchMode(StrEnum):
    """How a term may match: ``auto`` is token-bounded in prose and, when long, a substring of
    concatenations."""

    AUTO = "auto"
    TOKEN = "token"
    SUBSTRING = "substring"
    REGEX = "regex"
    ALLOW = "allow"  # an allowlist row: suppresses matches inside it


class Severity(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str) -> Severity:
        v = value.strip()
        if v.isdigit() and int(v) in {s.value for s in cls}:
            return cls(int(v))
        try:
            return cls[v.upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"severity must be 1-4 or one of {names}, got {value!r}") from None


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    category: str
    severity: Severity
    match: MatchMode = MatchMode.AUTO
    note: str = ""
    lexicon: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """One operator list: terms to find and phrases (``allow``) whose matches are known false positives."""

    name: str
    terms: tuple[Term, ...]
    allow: tuple[str, ...] = field(default=())

    @classmethod
    def of(
        cls,
        name: str,
        terms: Iterable[tuple[str, str, int | str] | Term],
        allow: Iterable[str] = (),
    ) -> Lexicon:
        """Build from ``(term, category, severity)`` tuples, for code and tests."""
        built: list[Term] = []
        for t in terms:
            if isinstance(t, Term):
                built.append(t)
            else:
                text, category, sev = t
                severity = Severity(sev) if isinstance(sev, int) else Severity.parse(sev)
                built.append(Term(text, category, severity, lexicon=name))
        return cls(name, tuple(built), tuple(allow))


def parse_lexicon_csv(source: str | Path, *, name: str | None = None, text: str | None = None) -> Lexicon:
    """Read a lexicon CSV from ``source`` (a path), or from ``text`` with ``source`` naming it in errors."""
    file = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InputError(f"cannot read lexicon: {exc.strerror}", file=file) from exc
        except UnicodeDecodeError as exc:  # a spreadsheet's export in a Windows code page, most often
            raise InputError(
                f"is not UTF-8 text (byte {exc.start}): save it as CSV UTF-8", file=file
            ) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"header must contain {', '.join(REQUIRED_COLUMNS)}; missing {missing}", file=file, line=1
        )
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InputError(f"unknown columns {unknown}", file=file, line=1)
    reader.fieldnames = header
    lexicon_name = name or Path(file).stem
    terms: list[Term] = []
    allow: list[tuple[str, int | None]] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            raise InputError("more values than header columns", file=file, line=line)
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        term = values["term"]
        if not term:
            raise InputError("empty term", file=file, line=line, field="term")
        try:
            mode = MatchMode(values.get("match") or "auto")
        except ValueError:
            modes = ", ".join(m.value for m in MatchMode)
            raise InputError(f"match must be one of {modes}", file=file, line=line, field="match") from None
        if mode is MatchMode.ALLOW:
            allow.append((term, line))
            continue
        if not values["category"]:
            raise InputError("empty category", file=file, line=line, field="category")
        try:
            severity = Severity.parse(values["severity"])
        except ValueError as exc:
            raise InputError(str(exc), file=file, line=line, field="severity") from None
        if mode is MatchMode.REGEX:
            try:
                re.compile(term)
            except re.error as exc:
                raise InputError(f"invalid regex: {exc}", file=file, line=line, field="term") from None
        terms.append(
            Term(term, values["category"], severity, mode, values.get("note", ""), lexicon_name, line)
        )
    _refuse_unmatchable(
        file,
        [(t.text, t.line) for t in terms if t.match is not MatchMode.REGEX],
        "it could never match (write it as a regex to match punctuation literally)",
    )
    _refuse_unmatchable(file, allow, "an allowlist phrase of nothing would suppress nothing")
    return Lexicon(lexicon_name, tuple(terms), tuple(phrase for phrase, _ in allow))


def _refuse_unmatchable(file: str, rows: list[tuple[str, int | None]], why: str) -> None:
    """A term or allowlist phrase that normalises to nothing (punctuation, spaces, invisible characters
    alone) does nothing: the matcher would drop it without a word, and the operator would believe the list
    covers it. ``rows``: (text, line)."""
    keys = canonical_many([text for text, _ in rows]).keys if rows else []
    for (_, line), key in zip(rows, keys, strict=True):
        if not key:
            raise InputError(
                f"term has no letter, digit or pictograph once normalised: {why}",
                file=file,
                line=line,
                field="term",
            )
