"""Database wiring of a scan: match every ingested media hash against the lists, store ``hash_match`` signals.

Signals: kind ``hash_match``, source ``media``, on the post and on its account (the network detector and the
review queue read them); evidence names the list, entry, tags, distance, quality and media id. A scan replaces
the previous scan's signals for the platform, so a hash removed from a list stops flagging posts on rescan.
Rows are matched in batches through :meth:`Matcher.match_many`, one index search per batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from bastion.core.hashtype import HASH_TYPES
from bastion.core.model import EntityType, Signal
from bastion.media.banks import PDQ
from bastion.media.frames import parse_frames
from bastion.media.kinds import HASH_MATCH
from bastion.media.matcher import Matcher
from bastion.media.matches import MatchResult
from bastion.media.repository import BankRepository
from bastion.store import Store
from bastion.store.changes import CatchUp
from bastion.store.tables import media, posts
from bastion.store.tables import signals as stored_signals
from bastion.store.tables_media import media_hashes

KIND = HASH_MATCH
SOURCE = "media"
BATCH = 2_000
_IN_CHUNK = 500

vpdq_frames = parse_frames  # kept for callers of the first version


@dataclass(slots=True)
class MediaRow:
    """One media item of a scan with its hashes ({hash type: value}) and its PDQ quality."""

    post_id: str
    media_id: str
    account_id: str
    hashes: dict[str, str]
    quality: int | None = None


@dataclass(frozen=True, slots=True)
class ScanStats:
    media_rows: int
    matched_media: int
    signals: int
    low_quality: int
    suppressed: int
    posts: int = 0  # distinct posts matched
    accounts: int = 0  # distinct accounts matched


class MediaMatcher:
    """Matches every media row of a platform against a :class:`Matcher`'s lists.

    With ``repository`` (the service's live one, whose matcher ``matcher`` is), a scan first brings the
    matcher up to date with the change log and matches each batch under the repository's lock, so the other
    users of the same index (the exchange capability's lookups) never see it change mid-batch.
    """

    def __init__(
        self, store: Store, matcher: Matcher, *, batch: int = BATCH, repository: BankRepository | None = None
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.batch = batch
        self.repository = repository

    def platforms(self) -> list[str]:
        with self.store.engine.connect() as conn:
            return sorted(conn.execute(select(media.c.platform).distinct()).scalars())

    def _rows(self, platform: str, only: set[str] | None = None) -> Iterator[list[MediaRow]]:
        """Media items with all their hashes (of ``only`` these posts), in batches; the long table is read in
        key order and folded back into one item per media row."""
        if only is None:
            yield from self._read(platform, None)
            return
        chosen = sorted(only)
        for lo in range(0, len(chosen), _IN_CHUNK):
            yield from self._read(platform, chosen[lo : lo + _IN_CHUNK])

    def _read(self, platform: str, posts_in: list[str] | None) -> Iterator[list[MediaRow]]:
        h, m = media_hashes, media
        query = (
            select(m.c.post_id, m.c.media_id, posts.c.account_id, h.c.hash_type, h.c.value, h.c.quality)
            .join(posts, (posts.c.platform == m.c.platform) & (posts.c.post_id == m.c.post_id))
            .outerjoin(
                h,
                (h.c.platform == m.c.platform)
                & (h.c.post_id == m.c.post_id)
                & (h.c.media_id == m.c.media_id),
            )
            .where(m.c.platform == platform)
            .order_by(m.c.post_id, m.c.media_id)
        )
        if posts_in is not None:
            query = query.where(m.c.post_id.in_(posts_in))
        part: list[MediaRow] = []
        with self.store.engine.connect() as conn:
            for r in conn.execution_options(yield_per=self.batch).execute(query):
                if not part or (part[-1].post_id, part[-1].media_id) != (r.post_id, r.media_id):
                    if len(part) >= self.batch:
                        yield part
                        part = []
                    part.append(MediaRow(r.post_id, r.media_id, r.account_id, {}))
                item = part[-1]
                if r.hash_type is None:
                    continue
                item.hashes[r.hash_type] = r.value
                if r.quality is not None and r.hash_type == PDQ:
                    item.quality = r.quality
        if part:
            yield part

    def _signals(self, platform: str, row: Any, result: MatchResult) -> list[Signal]:
        out = []
        for m in result.matches:
            hl = self.matcher.lists.get(m.list_name)
            threshold = hl.threshold if hl is not None else 31
            score = 1.0 - 0.5 * m.distance / max(threshold, 1)
            evidence = {
                **m.as_json(),
                "post_id": row.post_id,
                "media_id": row.media_id,
                "quality": row.quality,
            }
            key = f"{m.list_name}:{m.entry_id}:{row.post_id}:{row.media_id}"
            for etype, eid in ((EntityType.POST, row.post_id), (EntityType.ACCOUNT, row.account_id)):
                out.append(Signal(platform, etype, str(eid), KIND, SOURCE, score, evidence, key))
        return out

    def scan(self, platform: str, only: set[str] | None = None) -> ScanStats:
        """Match the platform's media (or only the media of the posts in ``only``) and store the signals:
        a whole scan replaces the platform's ``hash_match`` signals, a partial one those of its posts."""
        signals: list[Signal] = []
        rows = matched = low = suppressed = 0
        hit_posts: set[str] = set()
        hit_accounts: set[str] = set()
        known = set(HASH_TYPES.names())  # a type whose plugin is gone is left out, not an error
        lock: AbstractContextManager[Any] = getattr(self.repository, "lock", None) or nullcontext()
        if self.repository is not None:
            self.repository.refresh()
        for part in self._rows(platform, only):
            items: Sequence[dict[str, Any]] = [
                {**{k: v for k, v in r.hashes.items() if k in known}, "quality": r.quality} for r in part
            ]
            with lock:
                results = self.matcher.match_many(items)
            for row, result in zip(part, results, strict=True):
                rows += 1
                low += result.pdq_skipped is not None
                suppressed += bool(result.suppressed)
                if result.matches:
                    matched += 1
                    hit_posts.add(row.post_id)
                    hit_accounts.add(row.account_id)
                    signals += self._signals(platform, row, result)
        if only is None:
            stored = self.store.signals.replace(SOURCE, KIND, platform, signals)
        else:
            stored = self._replace_posts(platform, only, signals)
        return ScanStats(rows, matched, stored, low, suppressed, len(hit_posts), len(hit_accounts))

    def _replace_posts(self, platform: str, posts_in: set[str], found: list[Signal]) -> int:
        """Swap the signals of these posts (and the account signals made from them, which share their
        keys) for ``found``, in one transaction."""
        repo = self.store.signals
        with self.store.engine.begin() as conn:
            old_keys: set[str] = set()
            chosen = sorted(posts_in)
            for lo in range(0, len(chosen), _IN_CHUNK):
                q = select(stored_signals.c.key).where(
                    stored_signals.c.platform == platform,
                    stored_signals.c.source == SOURCE,
                    stored_signals.c.kind == str(KIND),
                    stored_signals.c.entity_type == str(EntityType.POST),
                    stored_signals.c.entity_id.in_(chosen[lo : lo + _IN_CHUNK]),
                )
                old_keys.update(conn.execute(q).scalars())
            repo.delete_entities(SOURCE, KIND, platform, EntityType.POST, posts_in, conn=conn)
            keys = sorted(old_keys)
            for lo in range(0, len(keys), _IN_CHUNK):
                conn.execute(
                    delete(stored_signals).where(
                        stored_signals.c.platform == platform,
                        stored_signals.c.source == SOURCE,
                        stored_signals.c.kind == str(KIND),
                        stored_signals.c.entity_type == str(EntityType.ACCOUNT),
                        stored_signals.c.key.in_(keys[lo : lo + _IN_CHUNK]),
                    )
                )
            return repo.add(found, conn=conn)


def media_hashes_of(conn: Connection, platform: str, post_id: str, media_id: str) -> dict[str, str]:
    """One media item's hashes, {hash type: value} (a report labels them with the types' CyberTipline
    labels through :func:`bastion.media.hashtypes.cybertip_hashes`)."""
    h = media_hashes
    query = select(h.c.hash_type, h.c.value).where(
        h.c.platform == platform, h.c.post_id == post_id, h.c.media_id == media_id
    )
    return {t: v for t, v in conn.execute(query)}


def catch_up(store: Store, platform: str) -> CatchUp:
    """Bring the media signals up to date: a full scan when the loaded data (an export folder) or the
    hash lists changed since the last one, else a scan of only the media of posts live events stored
    after this scan's checkpoint in the change log."""
    from bastion.media.repository import BankRepository

    repo = BankRepository(store)
    log = store.changes
    if not repo.lists():
        return CatchUp(False, 0, 0, log.checkpoint(SOURCE, platform) or 0)
    # the lists as the database holds them (``repo.version`` is the loaded matcher's, 0 before it loads:
    # a newly imported list was never a reason to scan again, an outside check found)
    version = f"{store.scans.data_version(platform)}|{repo.latest_change()}"
    if store.scans.is_stale(SOURCE, platform, version):
        head = log.head(platform)  # read first: whatever commits during the scan is caught up next time
        stats = MediaMatcher(store, repo.matcher).scan(platform)
        repo.save()
        store.scans.mark(SOURCE, platform, version, stats.signals)
        log.advance(SOURCE, platform, head)
        return CatchUp(True, stats.media_rows, stats.signals, head)
    changes = log.since(platform, log.checkpoint(SOURCE, platform) or 0)
    posted = changes.keys("posts", "post_id")
    if posted:
        stats = MediaMatcher(store, repo.matcher).scan(platform, posted)
        log.advance(SOURCE, platform, changes.head)
        return CatchUp(False, stats.media_rows, stats.signals, changes.head)
    if changes.items:
        log.advance(SOURCE, platform, changes.head)
    return CatchUp(False, 0, 0, changes.head)


def refresh_stale(store: Store, platform: str) -> int:
    """The hook ``bastion detect`` and catch-up call first: :func:`catch_up`; returns the signals written,
    0 when nothing was stale."""
    return catch_up(store, platform).signals
