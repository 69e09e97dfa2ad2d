"""TermGuard: the term capability wired to the store (with ``repository.py``, the only modules of
``bastion.terms`` that touch it).

Scans ingested accounts (username, display name, bio), posts (text, hashtags) and searches into signals,
guards live searches, and feeds discovery from the same tables. Everything else in the package is pure.

Signal scores are graded so one plain use of a code word in prose (which ordinary people do) stays weak, while
a term in a bio, username or hashtag, or one spelled around a filter, is strong: hiding a word is intent.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bastion.core.model import EntityType, Signal
from bastion.store import Store
from bastion.store.changes import CatchUp, Changes
from bastion.store.tables import accounts, posts, searches
from bastion.terms.discover import Candidate, Context, discover
from bastion.terms.guard import Action, GuardDecision, GuardPolicy, SearchEvent, SearchGuard, Viewer
from bastion.terms.kinds import BLOCKED_SEARCH, TERM_MATCH
from bastion.terms.lexicon import Lexicon, parse_lexicon_csv
from bastion.terms.matcher import Match, Matcher
from bastion.terms.repository import LexiconRepository
from bastion.terms.views import FieldKind

SOURCE = "terms"
ACCOUNT_FIELDS = (
    ("username", FieldKind.USERNAME),
    ("display_name", FieldKind.DISPLAY_NAME),
    ("bio", FieldKind.BIO),
)
SESSION_GAP = timedelta(minutes=30)
_BATCH = 2_000
_IN_CHUNK = 500
INGESTED = "ingested:"  # key prefix of blocked_search signals replayed from ingested searches
# Prose is where ordinary people use an ordinary-looking word; profile fields and tags are how sellers
# advertise. An evasion adds on top of either.
FIELD_WEIGHT = {"text": 0.5, "bio": 0.9, "username": 0.9, "display_name": 0.9, "hashtags": 0.9}
EVASION_BONUS = 0.3


def match_score(m: Match, column: str) -> float:
    """Strength of one match: severity, scaled by where it was written, raised by any evasion."""
    base = int(m.severity) / 4 * FIELD_WEIGHT.get(column, 0.9)
    return round(min(1.0, base + (EVASION_BONUS if m.evasions else 0.0)), 4)


def search_score(event: SearchEvent) -> float:
    """A blocked search on its own is a moderate signal (people type words they saw); a spelled-around one
    is a strong one."""
    return 0.9 if event.evasions else 0.6


def _signal(platform: str, etype: EntityType, eid: str, field: str, text: str, m: Match) -> Signal:
    return Signal(
        platform=platform,
        entity_type=etype,
        entity_id=eid,
        kind=TERM_MATCH,
        source=SOURCE,
        score=match_score(m, field),
        evidence={**m.as_dict(), "column": field, "text": text[:500]},
        key=f"{field}:{m.lexicon}:{m.term}:{m.start}"[:255],
    )


def _search_signal(platform: str, account_id: str, event: SearchEvent, key: str) -> Signal:
    return Signal(
        platform=platform,
        entity_type=EntityType.ACCOUNT,
        entity_id=account_id,
        kind=BLOCKED_SEARCH,
        source=SOURCE,
        score=search_score(event),
        evidence=event.as_evidence(),
        key=key[:255],
    )


class TermGuard:
    """The term capability over one store. Build it from files (``__init__``/``from_files``) or from the
    active lexicons in the database (``from_store``)."""

    def __init__(self, store: Store, lexicons: Sequence[Lexicon], policy: GuardPolicy | None = None) -> None:
        self.store = store
        self.rows_read = 0  # ingested rows this guard has read (a catch-up proves it reads only new ones)
        self.matcher = Matcher(lexicons)
        self.search_guard = SearchGuard(self.matcher, policy or GuardPolicy())

    @classmethod
    def from_files(
        cls, store: Store, paths: Iterable[str | Path], policy: GuardPolicy | None = None
    ) -> TermGuard:
        return cls(store, [parse_lexicon_csv(p) for p in paths], policy)

    @classmethod
    def from_store(cls, store: Store, policy: GuardPolicy | None = None) -> TermGuard:
        return cls(store, LexiconRepository(store).active_lexicons(), policy)

    def platforms(self) -> list[str]:
        return self.store.platforms()

    def _rows(self, query: Any) -> Iterator[Any]:
        with self.store.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True).execute(query):
                self.rows_read += 1
                yield row

    def _some(self, query: Any, column: Any, only: set[str] | None) -> Iterator[Any]:
        """``query``'s rows, or only those whose ``column`` is in ``only`` (read in chunks)."""
        if only is None:
            yield from self._rows(query)
            return
        chosen = sorted(only)
        for lo in range(0, len(chosen), _IN_CHUNK):
            yield from self._rows(query.where(column.in_(chosen[lo : lo + _IN_CHUNK])))

    def account_signals(self, platform: str, only: set[str] | None = None) -> Iterator[Signal]:
        q = select(accounts.c.account_id, accounts.c.username, accounts.c.display_name, accounts.c.bio).where(
            accounts.c.platform == platform
        )
        for row in self._some(q, accounts.c.account_id, only):
            for column, field in ACCOUNT_FIELDS:
                text = getattr(row, column)
                if text:
                    for m in self.matcher.match(text, field):
                        yield _signal(platform, EntityType.ACCOUNT, row.account_id, column, text, m)

    def post_signals(self, platform: str, only: set[str] | None = None) -> Iterator[Signal]:
        q = select(posts.c.post_id, posts.c.text, posts.c.hashtags).where(posts.c.platform == platform)
        batch: list[tuple[str, str]] = []
        for row in self._some(q, posts.c.post_id, only):
            for tag in (row.hashtags or "").split(";"):
                if tag.strip():
                    for m in self.matcher.match(tag.strip(), FieldKind.HASHTAG):
                        yield _signal(platform, EntityType.POST, row.post_id, "hashtags", tag.strip(), m)
            if row.text:
                batch.append((row.post_id, row.text))
            if len(batch) >= _BATCH:
                yield from self._text_batch(platform, batch)
                batch = []
        yield from self._text_batch(platform, batch)

    def _text_batch(self, platform: str, batch: list[tuple[str, str]]) -> Iterator[Signal]:
        results = self.matcher.match_many([t for _, t in batch], FieldKind.TEXT)
        for (post_id, text), found in zip(batch, results, strict=True):
            for m in found:
                yield _signal(platform, EntityType.POST, post_id, "text", text, m)

    def scan(self, platform: str) -> int:
        """``bastion scan terms``: replace this platform's term signals with a fresh scan."""
        return self.store.signals.replace(
            SOURCE, TERM_MATCH, platform, (*self.account_signals(platform), *self.post_signals(platform))
        )

    def guard(self, platform: str, query: str, viewer: Viewer) -> GuardDecision:
        """Decide a live search; a block is stored at once as a ``blocked_search`` signal on the account."""
        decision = self.search_guard.guard_search(query, viewer)
        if decision.action is Action.BLOCK and decision.event is not None and viewer.account_id:
            ev = decision.event
            self.store.signals.add(
                [_search_signal(platform, viewer.account_id, ev, f"{ev.at.isoformat()}:{query}")]
            )
        return decision

    def blocked_searches(
        self, platform: str, only: set[str] | None = None
    ) -> Iterator[tuple[Any, GuardDecision]]:
        """The ingested searches this guard would have blocked, with the decision for each."""
        q = select(
            searches.c.account_id, searches.c.query, searches.c.created_at, accounts.c.age_band
        ).outerjoin(
            accounts,
            (accounts.c.platform == searches.c.platform) & (accounts.c.account_id == searches.c.account_id),
        )
        q = q.where(searches.c.platform == platform).order_by(searches.c.created_at)
        for row in self._some(q, searches.c.account_id, only):
            if not row.query:
                continue
            viewer = Viewer(row.account_id, age_band=row.age_band or "unknown")
            decision = self.search_guard.guard_search(row.query, viewer)
            if decision.action is Action.BLOCK and decision.event is not None:
                yield row, decision

    def scan_searches(self, platform: str) -> int:
        """Replay ingested searches through the guard: each one it blocks becomes a ``blocked_search`` signal
        (replacing the previous replay; live blocks from ``guard`` are kept)."""
        items = self.search_signals(platform)
        return self.store.signals.replace(SOURCE, BLOCKED_SEARCH, platform, items, key_prefix=INGESTED)

    def search_signals(self, platform: str, only: set[str] | None = None) -> list[Signal]:
        """The ``blocked_search`` signals of the ingested searches (of ``only`` these accounts)."""
        items = []
        for row, d in self.blocked_searches(platform, only):
            assert d.event is not None
            event = dataclasses.replace(d.event, at=row.created_at)
            items.append(
                _search_signal(
                    platform, row.account_id, event, f"{INGESTED}{row.created_at.isoformat()}:{row.query}"
                )
            )
        return items

    def scan_changed(self, platform: str, changes: Changes) -> int:
        """Re-scan only what the live events changed: the accounts' profile fields, the posts, and the
        searches of accounts that searched or changed (the guard's decision reads the age band). The
        entities' previous term signals are replaced in one transaction; returns the signals written."""
        people = changes.keys("accounts", "account_id")
        posted = changes.keys("posts", "post_id")
        searchers = changes.keys("searches", "account_id") | people
        found = [*self.account_signals(platform, people), *self.post_signals(platform, posted)]
        searched = self.search_signals(platform, searchers) if searchers else []
        repo = self.store.signals
        with self.store.engine.begin() as conn:
            repo.delete_entities(SOURCE, TERM_MATCH, platform, EntityType.ACCOUNT, people, conn=conn)
            repo.delete_entities(SOURCE, TERM_MATCH, platform, EntityType.POST, posted, conn=conn)
            repo.delete_entities(
                SOURCE,
                BLOCKED_SEARCH,
                platform,
                EntityType.ACCOUNT,
                searchers,
                key_prefix=INGESTED,
                conn=conn,
            )
            return repo.add([*found, *searched], conn=conn)

    def contexts(self, platform: str) -> Iterator[Context]:
        """Posts (hashtags), accounts (all their tags and queries) and search sessions, for discovery."""
        by_account: dict[str, set[str]] = defaultdict(set)
        q = select(posts.c.post_id, posts.c.account_id, posts.c.hashtags).where(posts.c.platform == platform)
        for row in self._rows(q):
            tags = frozenset(t.strip() for t in (row.hashtags or "").split(";") if t.strip())
            if tags:
                by_account[row.account_id] |= tags
                yield Context(row.post_id, "post", tags)
        q2 = (
            select(searches.c.account_id, searches.c.query, searches.c.created_at)
            .where(searches.c.platform == platform)
            .order_by(searches.c.account_id, searches.c.created_at)
        )
        yield from _sessions(self._rows(q2), by_account)
        for account_id, items in by_account.items():
            yield Context(account_id, "account", frozenset(items))

    def discover(
        self, platform: str, rejected: Iterable[str] = (), limit: int = 50, *, record: bool = True
    ) -> list[Candidate]:
        """Propose new terms, skipping every skeleton already accepted or rejected (remembered in the store);
        proposals are recorded so ``accept`` knows their evidence."""
        repo = LexiconRepository(self.store)
        skip = {*rejected, *repo.decided_keys()}
        found = discover(self.contexts(platform), self.matcher, rejected=skip, limit=limit)
        if record:
            categories = {t.text: (t.category, int(t.severity)) for t in self.matcher.terms}
            repo.record_candidates(platform, found, categories)
        return found


def _sessions(rows: Iterable[Any], by_account: dict[str, set[str]]) -> Iterator[Context]:
    current: list[str] = []
    last: tuple[str, datetime] | None = None
    n = 0
    for row in rows:
        query = (row.query or "").strip()
        if not query:
            continue
        by_account[row.account_id].add(query)
        if last is not None and (last[0] != row.account_id or row.created_at - last[1] > SESSION_GAP):
            n += 1
            yield Context(f"{last[0]}#{n}", "session", frozenset(current))
            current = []
        current.append(query)
        last = (row.account_id, row.created_at)
    if last is not None and current:
        yield Context(f"{last[0]}#{n + 1}", "session", frozenset(current))


def catch_up(store: Store, platform: str) -> CatchUp:
    """Bring the term signals up to date: a full scan when the loaded data (an export folder) or the
    active lexicons changed since the last one, else a scan of only the rows live events changed after
    this scan's checkpoint in the change log."""
    repo = LexiconRepository(store)
    log = store.changes
    if not repo.active_lexicons():
        return CatchUp(False, 0, 0, log.checkpoint(SOURCE, platform) or 0)
    version = f"{store.scans.data_version(platform)}|{repo.version()}"
    guard = TermGuard.from_store(store)
    if store.scans.is_stale(SOURCE, platform, version):
        head = log.head(platform)  # read first: whatever commits during the scan is caught up next time
        written = guard.scan(platform) + guard.scan_searches(platform)
        store.scans.mark(SOURCE, platform, version, written)
        log.advance(SOURCE, platform, head)
        return CatchUp(True, guard.rows_read, written, head)
    changes = log.since(platform, log.checkpoint(SOURCE, platform) or 0)
    if not changes.items:
        return CatchUp(False, 0, 0, changes.head)
    written = guard.scan_changed(platform, changes)
    log.advance(SOURCE, platform, changes.head)
    return CatchUp(False, guard.rows_read, written, changes.head)


def refresh_stale(store: Store, platform: str) -> int:
    """The hook ``bastion detect`` and catch-up call first: :func:`catch_up`; returns the signals written,
    0 when nothing was stale."""
    return catch_up(store, platform).signals
