"""Lexicons and discovery decisions in the database (with ``service.py``, the only modules that touch it).

Re-importing a file makes the stored lexicon equal to the file by recording the difference: new rows for new
or changed terms, removal stamps on the rows they replace, nothing for unchanged ones. History is never lost,
so a reviewer can tell which version of a list produced a signal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from bastion.core.errors import InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.store import Store
from bastion.store.tables_terms import term_allow, term_candidates, term_entries, term_lexicons
from bastion.terms.discover import Candidate
from bastion.terms.lexicon import Lexicon, MatchMode, Severity, Term
from bastion.terms.normalize import canonical

MAX_KEY = 255


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


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    item: str
    status: str  # proposed | accepted | rejected
    lexicon: str | None
    decided_by: str | None
    decided_at: datetime | None
    evidence: Mapping[str, Any]


def _fingerprint(t: Term) -> tuple[str, int, str, str]:
    return (t.category, int(t.severity), t.match.value, t.note)


def _key(term: str) -> str:
    key = canonical(term)
    if not key:
        raise InputError(f"term {term!r} has no letters after normalisation", field="term")
    if len(key) > MAX_KEY:
        raise InputError(f"term is longer than {MAX_KEY} characters after normalisation", field="term")
    return key


class LexiconRepository:
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
        _key(term.text)
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

    # --- discovery decisions ---------------------------------------------------------------------------

    def decided_keys(self) -> set[str]:
        """Skeletons already accepted or rejected: discovery never proposes them again."""
        with self._engine.connect() as conn:
            return {
                r[0]
                for r in conn.execute(
                    select(term_candidates.c.key).where(term_candidates.c.status != "proposed")
                )
            }

    def record_candidates(
        self, platform: str, candidates: Iterable[Candidate], categories: Mapping[str, tuple[str, int]]
    ) -> None:
        """Store this run's proposals (examples and the categories of the terms they kept company with);
        decided rows are left as they are."""
        at = utcnow()
        with self._engine.begin() as conn:
            decided = {
                r[0]
                for r in conn.execute(
                    select(term_candidates.c.key).where(term_candidates.c.status != "proposed")
                )
            }
            for c in candidates:
                if c.key in decided or len(c.key) > MAX_KEY:
                    continue
                known = Counter(t for ex in c.examples for t in ex.known)
                cats = Counter(categories[t][0] for t in known.elements() if t in categories)
                sev = max((categories[t][1] for t in known if t in categories), default=int(Severity.HIGH))
                values = {
                    "item": c.item, "platform": platform, "status": "proposed", "score": c.score,
                    "lift": c.lift, "support": c.support, "background": c.background, "proposed_at": at,
                    "evidence": {
                        "examples": [
                            {"context": e.context_id, "kind": e.kind, "known": list(e.known)}
                            for e in c.examples
                        ],
                        "category": cats.most_common(1)[0][0] if cats else None,
                        "severity": sev,
                    },
                }  # fmt: skip
                done = conn.execute(
                    update(term_candidates).where(term_candidates.c.key == c.key).values(**values)
                )
                if done.rowcount == 0:
                    conn.execute(insert(term_candidates).values(key=c.key, **values))

    def candidate(self, term: str) -> Decision | None:
        key = _key(term)
        q = (
            select(term_candidates, term_lexicons.c.name.label("lexicon"))
            .outerjoin(term_lexicons, term_lexicons.c.lexicon_id == term_candidates.c.lexicon_id)
            .where(term_candidates.c.key == key)
        )
        with self._engine.connect() as conn:
            r = conn.execute(q).first()
        if r is None:
            return None
        return Decision(r.key, r.item, r.status, r.lexicon, r.decided_by, r.decided_at, r.evidence or {})

    def _decide(self, conn: Connection, term: str, status: str, by: str, lid: int | None) -> None:
        key = _key(term)
        at = utcnow()
        values = {"status": status, "decided_by": by, "decided_at": at, "lexicon_id": lid}
        done = conn.execute(update(term_candidates).where(term_candidates.c.key == key).values(**values))
        if done.rowcount == 0:
            conn.execute(
                insert(term_candidates).values(
                    key=key, item=term, platform=None, score=0.0, lift=0.0, support=0, background=0,
                    evidence={}, proposed_at=at, **values,
                )
            )  # fmt: skip

    def reject(self, term: str, *, by: str) -> None:
        with self._engine.begin() as conn:
            self._decide(conn, term, "rejected", by, None)

    def accept(
        self,
        term: str,
        lexicon: str,
        *,
        by: str,
        category: str | None = None,
        severity: Severity | None = None,
    ) -> Term:
        """Put a proposed (or operator-typed) term into ``lexicon`` and remember the decision; category and
        severity default to those of the known terms the candidate was seen with."""
        found = self.candidate(term)
        evidence = found.evidence if found is not None else {}
        category = category or evidence.get("category")
        if not category:
            raise InputError(f"{term!r} was never proposed by discovery: give its category", field="category")
        sev = severity or Severity(int(evidence.get("severity") or Severity.HIGH))
        item = Term(term, str(category), sev, MatchMode.AUTO, "accepted from discovery", lexicon)
        self.add_term(lexicon, item, by=by, source="discovery")
        with self._engine.begin() as conn:
            self._decide(conn, term, "accepted", by, self._lexicon_id(conn, lexicon))
        return item

    def decisions(self, status: str | None = None) -> list[Decision]:
        q = select(term_candidates, term_lexicons.c.name.label("lexicon")).outerjoin(
            term_lexicons, term_lexicons.c.lexicon_id == term_candidates.c.lexicon_id
        )
        if status is not None:
            q = q.where(and_(term_candidates.c.status == status))
        with self._engine.connect() as conn:
            return [
                Decision(r.key, r.item, r.status, r.lexicon, r.decided_by, r.decided_at, r.evidence or {})
                for r in conn.execute(q.order_by(term_candidates.c.key))
            ]


def _entry_values(lid: int, t: Term, by: str, at: datetime) -> dict[str, Any]:
    return {
        "lexicon_id": lid, "term": t.text, "category": t.category, "severity": int(t.severity),
        "match": t.match.value, "note": t.note, "added_by": by, "added_at": at,
    }  # fmt: skip
