"""Discovery decisions in the database: what was proposed, and what a person accepted or rejected.

A rejection is remembered by the candidate's normalised key, so discovery never proposes that spelling (or
any spelling with the same skeleton) again. Mixed into :class:`~bastion.terms.repository.LexiconRepository`,
which supplies the lexicon half (``_lexicon_id``, ``add_term``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update

from bastion.core.errors import InputError
from bastion.core.timefmt import utcnow
from bastion.store.bulk import upsert_one
from bastion.store.tables_terms import term_candidates, term_lexicons
from bastion.terms.discover import Candidate
from bastion.terms.lexicon import MatchMode, Severity, Term
from bastion.terms.normalize import canonical

MAX_KEY = 255


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    item: str
    status: str  # proposed | accepted | rejected
    lexicon: str | None
    decided_by: str | None
    decided_at: datetime | None
    evidence: Mapping[str, Any]


def key_of(term: str) -> str:
    key = canonical(term)
    if not key:
        raise InputError(f"term {term!r} has no letters after normalisation", field="term")
    if len(key) > MAX_KEY:
        raise InputError(f"term is longer than {MAX_KEY} characters after normalisation", field="term")
    return key


class CandidateDecisions:
    _engine: Engine

    def _lexicon_id(self, conn: Connection, name: str) -> int | None:
        raise NotImplementedError

    def add_term(self, name: str, term: Term, *, by: str, source: str = "") -> bool:
        raise NotImplementedError

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
                upsert_one(conn, term_candidates, {"key": c.key}, values)

    def candidate(self, term: str) -> Decision | None:
        key = key_of(term)
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
        key = key_of(term)
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
