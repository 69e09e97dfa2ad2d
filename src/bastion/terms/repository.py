"""Lexicons in the database (with ``candidates.py`` and ``service.py``, the only modules that touch it).

Re-importing a file makes the stored lexicon equal to the file by recording the difference: new rows for new
or changed terms, removal stamps on the rows they replace, nothing for unchanged ones. History is never lost,
so a reviewer can tell which version of a list produced a signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bastion.core.errors import InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.store import Store
from bastion.store.tables_terms import term_allow, term_entries, term_lexicons
from bastion.terms.candidates import CandidateDecisions, key_of
from bastion.terms.lexicon import Lexicon, MatchMode, Severity, Term


@dataclass(frozen=True, slots=True)
class LexiconInfo:
    name: str
    source: str
    active: bool
    created_by: str
    created_at: datetime
    terms: int  # active entries
    allow: int  # active allowlist phrases


@dataclass(frozen=True, slots=True)
class EntryRow:
    term: str
    category: str
    severity: Severity
    match: MatchMode
    note: str
    added_by: str
    added_at: datetime
    removed_by: str | None
    removed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ImportSummary:
    lexicon: str
    created: bool
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    allow_added: int
    allow_removed: int


def _fingerprint(t: Term) -> tuple[str, int, str, str]:
    return (t.category, int(t.severity), t.match.value, t.note)


class LexiconRepository(CandidateDecisions):
    def __init__(self, store: Store) -> None:
        self._engine = store.engine

    # --- lexicons -------------------------------------------------------------------------------------

    def _lexicon_id(self, conn: Connection, name: str) -> int | None:
        row = conn.execute(select(term_lexicons.c.lexicon_id).where(term_lexicons.c.name == name)).first()
        return None if row is None else int(row[0])

    def _require(self, conn: Connection, name: str) -> int:
        lid = self._lexicon_id(conn, name)
        if lid is None:
            raise NotFound(f"no lexicon named {name!r}")
        return lid

    def _ensure(self, conn: Connection, name: str, by: str, source: str, at: datetime) -> tuple[int, bool]:
        lid = self._lexicon_id(conn, name)
        if lid is not None:
            return lid, False
        result = conn.execute(
            insert(term_lexicons).values(name=name, source=source, active=True, created_by=by, created_at=at)
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0]), True

    def import_lexicon(
        self, lexicon: Lexicon, *, by: str, source: str = "", file: str | None = None
    ) -> ImportSummary:
        """Make the stored lexicon ``lexicon.name`` equal to ``lexicon``, recording only the changes."""
        wanted: dict[str, Term] = {}
        for t in lexicon.terms:
            if t.text in wanted:
                first = wanted[t.text].line
                raise InputError(
                    f"duplicate term (first on line {first})", file=file, line=t.line, field="term"
                )
            wanted[t.text] = t
        at = utcnow()
        with self._engine.begin() as conn:
            lid, created = self._ensure(conn, lexicon.name, by, source, at)
            current = {r.term: r for r in conn.execute(self._active_entries(lid))}
            added, changed, removed = [], [], []
            for text, t in wanted.items():
                old = current.get(text)
                if old is not None and (old.category, old.severity, old.match, old.note) == _fingerprint(t):
                    continue
                if old is not None:
                    self._stamp(conn, term_entries, term_entries.c.entry_id == old.entry_id, by, at)
                    changed.append(text)
                else:
                    added.append(text)
                conn.execute(insert(term_entries).values(_entry_values(lid, t, by, at)))
            for text, old in current.items():
                if text not in wanted:
                    self._stamp(conn, term_entries, term_entries.c.entry_id == old.entry_id, by, at)
                    removed.append(text)
            allow_now = {
                r.phrase: r.allow_id
                for r in conn.execute(
                    select(term_allow.c.phrase, term_allow.c.allow_id).where(
                        term_allow.c.lexicon_id == lid, term_allow.c.removed_at.is_(None)
                    )
                )
            }
            allow_new = [p for p in dict.fromkeys(lexicon.allow) if p not in allow_now]
            for phrase in allow_new:
                conn.execute(
                    insert(term_allow).values(
                        lexicon_id=lid, phrase=phrase, note="", added_by=by, added_at=at
                    )
                )
            allow_gone = [aid for p, aid in allow_now.items() if p not in set(lexicon.allow)]
            for aid in allow_gone:
                self._stamp(conn, term_allow, term_allow.c.allow_id == aid, by, at)
        unchanged = len(wanted) - len(added) - len(changed)
        return ImportSummary(
            lexicon.name, created, tuple(added), tuple(changed), tuple(removed), unchanged,
            len(allow_new), len(allow_gone),
        )  # fmt: skip

    @staticmethod
    def _stamp(conn: Connection, table: Any, where: Any, by: str, at: datetime) -> None:
        conn.execute(update(table).where(where).values(removed_by=by, removed_at=at))

    @staticmethod
    def _active_entries(lid: int) -> Any:
        return select(term_entries).where(
            term_entries.c.lexicon_id == lid, term_entries.c.removed_at.is_(None)
        )

    def add_term(self, name: str, term: Term, *, by: str, source: str = "") -> bool:
        """Add (or update) one term; creates the lexicon if needed. False when it was already there as is."""
        key_of(term.text)
        at = utcnow()
        with self._engine.begin() as conn:
            lid, _ = self._ensure(conn, name, by, source, at)
            old = conn.execute(self._active_entries(lid).where(term_entries.c.term == term.text)).first()
            if old is not None:
                if (old.category, old.severity, old.match, old.note) == _fingerprint(term):
                    return False
                self._stamp(conn, term_entries, term_entries.c.entry_id == old.entry_id, by, at)
            conn.execute(insert(term_entries).values(_entry_values(lid, term, by, at)))
        return True

    def remove_term(self, name: str, term: str, *, by: str) -> None:
        with self._engine.begin() as conn:
            lid = self._require(conn, name)
            result = conn.execute(
                update(term_entries)
                .where(
                    term_entries.c.lexicon_id == lid,
                    term_entries.c.term == term,
                    term_entries.c.removed_at.is_(None),
                )
                .values(removed_by=by, removed_at=utcnow())
            )
            if result.rowcount == 0:
                raise NotFound(f"lexicon {name!r} has no active term {term!r}")

    def set_active(self, name: str, active: bool) -> None:
        with self._engine.begin() as conn:
            lid = self._require(conn, name)
            conn.execute(update(term_lexicons).where(term_lexicons.c.lexicon_id == lid).values(active=active))

    def lexicons(self) -> list[LexiconInfo]:
        live_terms = (
            select(term_entries.c.lexicon_id, func.count().label("n"))
            .where(term_entries.c.removed_at.is_(None))
            .group_by(term_entries.c.lexicon_id)
            .subquery()
        )
        live_allow = (
            select(term_allow.c.lexicon_id, func.count().label("n"))
            .where(term_allow.c.removed_at.is_(None))
            .group_by(term_allow.c.lexicon_id)
            .subquery()
        )
        q = (
            select(term_lexicons, live_terms.c.n.label("terms"), live_allow.c.n.label("allow"))
            .outerjoin(live_terms, live_terms.c.lexicon_id == term_lexicons.c.lexicon_id)
            .outerjoin(live_allow, live_allow.c.lexicon_id == term_lexicons.c.lexicon_id)
            .order_by(term_lexicons.c.name)
        )
        with self._engine.connect() as conn:
            return [
                LexiconInfo(
                    r.name, r.source, bool(r.active), r.created_by, r.created_at, r.terms or 0, r.allow or 0
                )
                for r in conn.execute(q)
            ]

    def entries(self, name: str, *, history: bool = False) -> list[EntryRow]:
        with self._engine.connect() as conn:
            lid = self._require(conn, name)
            q = select(term_entries).where(term_entries.c.lexicon_id == lid)
            if not history:
                q = q.where(term_entries.c.removed_at.is_(None))
            rows = conn.execute(q.order_by(term_entries.c.term, term_entries.c.entry_id)).all()
        return [
            EntryRow(
                r.term,
                r.category,
                Severity(r.severity),
                MatchMode(r.match),
                r.note,
                r.added_by,
                r.added_at,
                r.removed_by,
                r.removed_at,
            )
            for r in rows
        ]

    def active_lexicons(self) -> list[Lexicon]:
        """Every active lexicon as the matcher takes it."""
        with self._engine.connect() as conn:
            lex = conn.execute(
                select(term_lexicons.c.lexicon_id, term_lexicons.c.name)
                .where(term_lexicons.c.active.is_(True))
                .order_by(term_lexicons.c.name)
            ).all()
            out: list[Lexicon] = []
            for lid, name in lex:
                terms = tuple(
                    Term(r.term, r.category, Severity(r.severity), MatchMode(r.match), r.note, name)
                    for r in conn.execute(self._active_entries(lid).order_by(term_entries.c.entry_id))
                )
                allow = tuple(
                    r.phrase
                    for r in conn.execute(
                        select(term_allow.c.phrase).where(
                            term_allow.c.lexicon_id == lid, term_allow.c.removed_at.is_(None)
                        )
                    )
                )
                out.append(Lexicon(name, terms, allow))
        return out

    def version(self) -> tuple[Any, ...]:
        """Changes whenever the active lexicons do (one cheap query): callers cache matchers on it."""
        lid = term_lexicons.c.lexicon_id
        active = select(func.count(), func.sum(lid), func.sum(lid * lid)).where(
            term_lexicons.c.active.is_(True)
        )
        q = select(
            select(func.max(term_entries.c.entry_id)).scalar_subquery(),
            select(func.count(term_entries.c.removed_at)).scalar_subquery(),
            select(func.max(term_allow.c.allow_id)).scalar_subquery(),
            select(func.count(term_allow.c.removed_at)).scalar_subquery(),
            select(func.max(term_lexicons.c.lexicon_id)).scalar_subquery(),
        ).add_columns(*active.subquery().c)
        with self._engine.connect() as conn:
            row = conn.execute(q).one()
        return tuple(row)


def _entry_values(lid: int, t: Term, by: str, at: datetime) -> dict[str, Any]:
    return {
        "lexicon_id": lid, "term": t.text, "category": t.category, "severity": int(t.severity),
        "match": t.match.value, "note": t.note, "added_by": by, "added_at": at,
    }  # fmt: skip
