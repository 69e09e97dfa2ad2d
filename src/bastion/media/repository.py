"""Hash lists in the database, and the matcher kept in step with them (the only module, with ``service.py``,
that touches the database).

Every add and removal is written with a row in ``media_changes``; the matcher applies the change before the
call returns, so a new entry is matchable (and a removed one gone) at once. The matcher is saved to an index
directory together with the last change number it has applied; on start it is reloaded from there and
replays only the later changes, instead of being rebuilt from every entry.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, text, update
from sqlalchemy.engine import make_url

from bastion.core.errors import InputError, NotFound, StorageError
from bastion.core.timefmt import utcnow
from bastion.media.banks import (
    HashList,
    Record,
    export_csv,
    export_json,
    export_threatexchange,
    normalise,
    read_bank_file,
    signal_type_name,
)
from bastion.media.hashtypes import HASH_TYPES
from bastion.media.list_reads import ListReads
from bastion.media.matcher import Matcher
from bastion.media.stored import ImportSummary
from bastion.store import Store
from bastion.store.bulk import execute_many
from bastion.store.tables_media import media_changes, media_entries, media_lists
from bastion.store.types import instant_to_driver

INDEX_DIRNAME = "bastion-index"
log = logging.getLogger(__name__)
CHANGE_LOG_LOCK = 727_002  # PostgreSQL advisory lock key of change-log writers (727_001: the triage sweep)


def default_index_dir(store: Store) -> Path | None:
    """``<db dir>/bastion-index`` for a SQLite file; PostgreSQL has no natural place, so none (in memory)."""
    url = make_url(store.url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().parent / INDEX_DIRNAME


class BankRepository(ListReads):
    """Lists, versioned entries and the live matcher over them."""

    def __init__(
        self,
        store: Store,
        index_dir: str | os.PathLike[str] | None = None,
        *,
        dihedral: bool = False,
    ) -> None:
        self.store = store
        self.index_dir = Path(index_dir) if index_dir is not None else default_index_dir(store)
        self.dihedral = dihedral
        self._matcher: Matcher | None = None
        self._lists: dict[str, HashList] = {}
        self._version = 0  # last change_id applied to the matcher
        self.reloaded = False  # whether the matcher came from disk (else it was built from the database)

    # -- lists -----------------------------------------------------------------------------------------
    def ensure_list(
        self, name: str, *, by: str, threshold: int | None = None, negative: bool | None = None
    ) -> HashList:
        """Create the list if new; change its threshold / negative flag when given."""
        with self.store.engine.begin() as conn:
            hl = self._ensure_list(conn, name, by, threshold, negative)
        self._lists[name] = hl
        return hl

    def _ensure_list(
        self, conn: Connection, name: str, by: str, threshold: int | None, negative: bool | None
    ) -> HashList:
        if threshold is not None and not 0 <= threshold <= 63:
            raise InputError(f"list {name!r}: threshold must be in 0..63, got {threshold}", field="threshold")
        if not name.strip():
            raise InputError("a list needs a name", field="list")
        row = conn.execute(select(media_lists).where(media_lists.c.name == name)).first()
        if row is None:
            hl = HashList(name, 31 if threshold is None else threshold, bool(negative))
            conn.execute(
                insert(media_lists).values(
                    name=name,
                    threshold=hl.threshold,
                    negative=hl.negative,
                    created_by=by,
                    created_at=utcnow(),
                )
            )
            return hl
        changes: dict[str, Any] = {}
        if threshold is not None and threshold != row.threshold:
            changes["threshold"] = threshold
        if negative is not None and negative != row.negative:
            changes["negative"] = negative
        if changes:
            conn.execute(update(media_lists).where(media_lists.c.list_id == row.list_id).values(**changes))
        return HashList(name, changes.get("threshold", row.threshold), changes.get("negative", row.negative))

    @contextmanager
    def _change_log_writer(self) -> Iterator[Connection]:
        """A transaction that writes ``media_changes``: on PostgreSQL one at a time, so ids commit in order.

        ``refresh`` reads past its high-water mark only. A sequence id is drawn at insert but seen at commit,
        so two open writers could commit 11 before 10 and a refresh in between would step over 10 for good.
        A transaction-scoped advisory lock, taken first and held to commit, means every id drawn is above
        all ids already visible. Bank edits are rare, so the wait costs nothing that matters, and it is
        simpler to prove than a reader that remembers gaps. Taken before the reads, it also makes the
        duplicate check and the removal's lookup see the previous writer's commit. SQLite serialises
        writers already.
        """
        with self.store.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})
            yield conn

    def _list_ids(self, conn: Connection) -> dict[str, int]:
        return {r.name: r.list_id for r in conn.execute(select(media_lists.c.name, media_lists.c.list_id))}

    def _load_lists(self) -> None:
        with self.store.engine.connect() as conn:
            rows = conn.execute(select(media_lists.c.name, media_lists.c.threshold, media_lists.c.negative))
            fresh = {r.name: HashList(r.name, r.threshold, r.negative) for r in rows}
        self._lists.clear()
        self._lists.update(fresh)

    # -- entries ---------------------------------------------------------------------------------------
    def add(
        self,
        signal_type: str,
        value: str,
        list_name: str,
        *,
        by: str,
        tags: Iterable[str] = (),
        note: str = "",
    ) -> int:
        """Add one entry (list created if new); matchable when this returns. Returns the entry id."""
        kind = signal_type_name(signal_type)
        record = Record(kind, normalise(kind, value), list_name, tuple(tags), note)
        _, ids = self._insert([record], by=by)
        if not ids:
            raise InputError(f"{kind} {value[:70]} is already in list {list_name!r}", field="value")
        return ids[0]

    def import_records(
        self,
        records: Sequence[Record],
        *,
        by: str,
        lists: Sequence[HashList] = (),
        threshold: int | None = None,
        negative: bool | None = None,
    ) -> ImportSummary:
        """Add many entries in one transaction; entries already active in their list are skipped."""
        with self.store.engine.begin() as conn:
            for spec in lists:
                self._ensure_list(conn, spec.name, by, spec.threshold, spec.negative)
            for name in dict.fromkeys(r.list_name for r in records):
                self._ensure_list(conn, name, by, threshold, negative)
        summary, _ = self._insert(records, by=by)
        return summary

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        by: str,
        list_name: str | None = None,
        threshold: int | None = None,
        negative: bool | None = None,
    ) -> ImportSummary:
        parsed = read_bank_file(path, list_name=list_name)
        return self.import_records(
            parsed.records, by=by, lists=parsed.lists, threshold=threshold, negative=negative
        )

    def _insert(self, records: Sequence[Record], *, by: str) -> tuple[ImportSummary, list[int]]:
        now = utcnow()
        with self._change_log_writer() as conn:
            for name in dict.fromkeys(r.list_name for r in records):
                self._ensure_list(conn, name, by, None, None)
            list_ids = self._list_ids(conn)
            wanted = {r.list_name for r in records}
            query = (
                select(media_lists.c.name, media_entries.c.signal_type, media_entries.c.value)
                .join(media_lists, media_lists.c.list_id == media_entries.c.list_id)
                .where(media_entries.c.removed_at.is_(None), media_lists.c.name.in_(wanted))
            )
            existing = {tuple(r) for r in conn.execute(query)}
            fresh = []
            for r in records:
                key = (r.list_name, r.signal_type, r.value)
                if key in existing:
                    continue
                existing.add(key)
                fresh.append(r)
            ids = self._write_adds(conn, fresh, list_ids, by, now) if fresh else []
        self.refresh()
        names = tuple(dict.fromkeys(r.list_name for r in records))
        unmatchable = _unmatchable(fresh)
        for reason, count in unmatchable:
            log.warning("%d entries added to %s can never match: %s", count, ", ".join(names), reason)
        return ImportSummary(names, len(ids), len(records) - len(ids), unmatchable), ids

    @staticmethod
    def _write_adds(
        conn: Connection, fresh: Sequence[Record], list_ids: dict[str, int], by: str, now: datetime
    ) -> list[int]:
        """The entries and their change rows at the driver's speed (an exchange sync writes a million).

        Their ids: on PostgreSQL the change-log lock, taken before this, means nobody else inserts entries
        until commit, so they are exactly the ids above the largest before. On SQLite the first insert takes
        the database's write lock, so the rows get consecutive rowids ending at the largest after.
        """
        dialect = conn.dialect.name
        mark, as_json = ("?", "?") if dialect == "sqlite" else ("%s", "%s::jsonb")
        at = instant_to_driver(dialect)(now)
        largest = select(func.coalesce(func.max(media_entries.c.entry_id), 0))
        before = 0 if dialect == "sqlite" else int(conn.execute(largest).scalar_one())
        execute_many(
            conn,
            "INSERT INTO media_entries (list_id, signal_type, value, tags, note, added_by, added_at) "
            f"VALUES ({mark}, {mark}, {mark}, {as_json}, {mark}, {mark}, {mark})",
            [(list_ids[r.list_name], r.signal_type, r.value, json.dumps(list(r.tags)), r.note, by, at)
             for r in fresh],
        )  # fmt: skip
        if dialect == "sqlite":
            last = int(conn.execute(largest).scalar_one())
            ids = list(range(last - len(fresh) + 1, last + 1))
        else:
            ids = [int(i) for i in conn.execute(
                select(media_entries.c.entry_id).where(media_entries.c.entry_id > before)
                .order_by(media_entries.c.entry_id)).scalars()]  # fmt: skip
        if len(ids) != len(fresh):
            raise StorageError(f"wrote {len(fresh)} list entries but found {len(ids)} new ids")
        execute_many(
            conn,
            f"INSERT INTO media_changes (entry_id, op, at) VALUES ({mark}, {mark}, {mark})",
            [(i, "add", at) for i in ids],
        )
        return ids

    def remove(self, list_name: str, value: str, *, by: str, signal_type: str | None = None) -> list[int]:
        """Take a value out of a list at once; the entry row stays, stamped, as history."""
        with self._change_log_writer() as conn:
            list_id = self._list_ids(conn).get(list_name)
            if list_id is None:
                raise NotFound(f"no hash list {list_name!r}")
            cond = [media_entries.c.list_id == list_id, media_entries.c.removed_at.is_(None)]
            if signal_type is not None:
                kind = signal_type_name(signal_type)
                cond += [media_entries.c.signal_type == kind, media_entries.c.value == normalise(kind, value)]
            else:
                cond.append(media_entries.c.value.in_({value.strip(), value.strip().lower()}))
            ids = [
                int(x) for x in conn.execute(select(media_entries.c.entry_id).where(and_(*cond))).scalars()
            ]
            if not ids:
                raise NotFound(f"{value[:70]!r} is not an active entry of list {list_name!r}")
            now = utcnow()
            conn.execute(
                update(media_entries)
                .where(media_entries.c.entry_id.in_(ids))
                .values(removed_by=by, removed_at=now)
            )
            conn.execute(insert(media_changes), [{"entry_id": i, "op": "remove", "at": now} for i in ids])
        self.refresh()
        return ids

    def rename(self, name: str, new_name: str, *, conn: Connection | None = None) -> None:
        """Rename a list; its entries follow (they point at it by id). ``conn``: a caller's transaction."""
        statement = update(media_lists).where(media_lists.c.name == name).values(name=new_name)
        if conn is not None:
            conn.execute(statement)
        else:
            with self.store.engine.begin() as own:
                own.execute(statement)
        self._lists.pop(name, None)

    def export(self, list_name: str, fmt: str = "csv") -> str:
        infos = {i.name: i for i in self.lists()}
        if list_name not in infos:
            raise NotFound(f"no hash list {list_name!r} (have: {', '.join(infos) or 'none'})")
        entries = [e.as_bank_entry() for e in self.entries(list_name)]
        if fmt == "csv":
            return export_csv(entries)
        if fmt == "json":
            i = infos[list_name]
            return export_json([HashList(i.name, i.threshold, i.negative)], entries, self._max_change())
        if fmt == "threatexchange":
            return export_threatexchange(entries)
        raise InputError(f"unknown export format {fmt!r} (csv, json, threatexchange)", field="format")

    # -- the live matcher ------------------------------------------------------------------------------
    @property
    def matcher(self) -> Matcher:
        """Loaded on first use: from the index directory plus the changes since it was saved, else built."""
        if self._matcher is None:
            self._load_lists()
            self._matcher, self._version = self._open_matcher()
            self.refresh()
        return self._matcher

    def _open_matcher(self) -> tuple[Matcher, int]:
        """The saved index is a cache of the database: one of another version or database is rebuilt."""
        if self.index_dir is not None and (self.index_dir / "manifest.json").exists():
            try:
                m, state = Matcher.load(
                    self.index_dir, lists=self._lists, lookup=self.lookup, dihedral=self.dihedral
                )
            except InputError as exc:
                log.warning("rebuilding the media index from the database: %s", exc)
                state = {}
            if state.get("database") == self._identity():
                self.reloaded = True
                return m, int(state.get("change_id", 0))
        return Matcher(dihedral=self.dihedral, lists=self._lists, lookup=self.lookup), 0

    def _identity(self) -> str:
        """Which database an index belongs to, so a copied directory is not replayed against another one."""
        return make_url(self.store.url).render_as_string(hide_password=True)

    def _max_change(self) -> int:
        with self.store.engine.connect() as conn:
            return int(
                conn.execute(select(func.coalesce(func.max(media_changes.c.change_id), 0))).scalar_one()
            )

    def refresh(self) -> int:
        """Apply the changes made since the matcher's version (by this or any other process).

        Safe to read past the high-water mark only because writers commit change ids in order
        (``_change_log_writer``).
        """
        if self._matcher is None:
            return 0
        self._load_lists()
        query = (
            select(media_changes.c.change_id, media_changes.c.op, media_entries.c.entry_id,
                   media_entries.c.signal_type, media_entries.c.value)
            .join(media_entries, media_entries.c.entry_id == media_changes.c.entry_id)
            .where(media_changes.c.change_id > self._version)
            .order_by(media_changes.c.change_id)
        )  # fmt: skip
        applied = 0
        with self.store.engine.connect() as conn:
            for r in conn.execute(query):
                if r.op == "add":
                    self._matcher.index_entry(r.entry_id, r.signal_type, r.value)
                else:
                    self._matcher.unindex_entry(r.entry_id, r.signal_type, r.value)
                self._version = r.change_id
                applied += 1
        return applied

    @property
    def version(self) -> int:
        """The last list change the loaded matcher applied (0 before it is loaded)."""
        return self._version

    def latest_change(self) -> int:
        """The last change to any hash list, read from the database (no matcher loaded): what a scan
        that is up to date has seen."""
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.max(media_changes.c.change_id))).scalar() or 0)

    def save(self, *, optimize: bool = True) -> Path | None:
        """Persist the matcher (segments folded) so the next start reloads instead of rebuilding."""
        if self.index_dir is None:
            return None
        m = self.matcher
        if optimize:
            m.optimize()
        m.save(self.index_dir, {"change_id": self._version, "database": self._identity()})
        return self.index_dir


def _unmatchable(records: Iterable[Record]) -> tuple[tuple[str, int], ...]:
    """Why added entries can never match, with how many, as their hash types say (a partner's vPDQ list
    may carry videos whose every frame is under the quality bar: kept as listed, and said)."""
    reasons = Counter(HASH_TYPES.get(r.signal_type).never_matches(r.value) for r in records)
    return tuple((reason, count) for reason, count in reasons.items() if reason is not None)
