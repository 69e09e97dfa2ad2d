"""Load a platform-export folder: stream, validate, upsert in committed batches, resume after a crash.

Each batch, its rejected rows and the file's checkpoint are written in one transaction, so a crash leaves
the database consistent and a re-run continues from the last committed batch. A file that was loaded whole
and has not changed since is skipped; ``force`` loads it again (the upsert then changes nothing).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from bastion.core.errors import InputError
from bastion.core.timefmt import parse_instant, utcnow
from bastion.ingest.events import EventLog
from bastion.ingest.pipeline import FileJob, can_spawn, validated, validated_in_worker
from bastion.ingest.readers import FORMATS, reader_for
from bastion.ingest.schema import TABLE_NAMES, TableSpec, build_specs
from bastion.ingest.validate import ValidBatch
from bastion.store import Store
from bastion.store.bulk import deferred_indexes, execute_many, insert_ignore, upsert_one, upsert_sql
from bastion.store.tables import ingest_files, ingest_rejects, media, platforms
from bastion.store.tables_media import media_hashes
from bastion.store.types import instant_to_driver

ProgressCallback = Callable[[str, int, int], None]
MEDIA_KEY = ("platform", "post_id", "media_id")
HASH_COLUMNS = (*MEDIA_KEY, "hash_type", "value", "quality")
KEEP_ERRORS = 100
#: Files this large are read in a second process and load with secondary indexes rebuilt once at the end,
#: which is several times cheaper than maintaining a random-order index row by row.
DEFER_INDEX_BYTES = 16 << 20


@dataclass
class TableSummary:
    files: list[str] = field(default_factory=list)
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped_files: list[str] = field(default_factory=list)
    resumed_from: int = 0


@dataclass
class IngestSummary:
    platform: str
    tables: dict[str, TableSummary] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    #: Files refused whole (empty, no header, not UTF-8): the other files still load.
    failed_files: list[InputError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(t.rejected for t in self.tables.values())

    @property
    def accepted(self) -> int:
        return sum(t.accepted for t in self.tables.values())


class Ingestor:
    """Loads export folders into a :class:`Store`; the CLI, the demo and the tests all use this."""

    def __init__(
        self,
        store: Store,
        *,
        batch_rows: int = 20_000,
        parallel: bool = True,
        large_file_bytes: int = DEFER_INDEX_BYTES,
    ) -> None:
        self.store = store
        self.batch_rows = batch_rows
        self.parallel = parallel
        self.large_file_bytes = large_file_bytes
        self.dialect = store.dialect
        self.specs = build_specs(instant_to_driver(self.dialect), sqlite=self.dialect == "sqlite")
        self._sql = {
            name: upsert_sql(spec.table, self._columns(spec), spec.key, self.dialect, stamp=spec.stamp)
            for name, spec in self.specs.items()
        }
        self._to_driver = instant_to_driver(self.dialect)
        self._media_sql = upsert_sql(media, MEDIA_KEY, MEDIA_KEY, self.dialect)
        self._hash_sql = upsert_sql(media_hashes, HASH_COLUMNS, (*MEDIA_KEY, "hash_type"), self.dialect)
        where = " AND ".join(f'"{c}" = {"?" if self.dialect == "sqlite" else "%s"}' for c in HASH_COLUMNS[:4])
        self._unhash_sql = f'DELETE FROM "media_hashes" WHERE {where}'
        self._events: EventLog | None = None

    @property
    def events(self) -> EventLog:
        """The live event path (``POST /v1/events``): built on first use, with its group-commit writer."""
        if self._events is None:
            self._events = EventLog(self)
        return self._events

    def close(self) -> None:
        """Stop the event writer (the façade calls this when it closes)."""
        if self._events is not None:
            self._events.close()

    @staticmethod
    def _columns(spec: TableSpec) -> list[str]:
        return ["platform", *spec.stored_fields, "extra"]

    def ingest(
        self,
        folder: Path,
        *,
        strict: bool = False,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestSummary:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError("is not a folder", file=str(folder))
        platform, exported_at = _platform_info(folder)
        summary = IngestSummary(platform)
        files = self._discover(folder, summary)
        if not files:
            expected = ", ".join(f"{n}.csv" for n in TABLE_NAMES[:3])
            raise InputError(
                f"holds no export file (expected {expected}, ... as .csv, .jsonl or .parquet)",
                file=str(folder),
            )
        self._ensure_platform(platform, exported_at)
        for name, paths in files.items():
            table_summary = summary.tables.setdefault(name, TableSummary())
            for path in paths:
                table_summary.files.append(path.name)
                try:
                    self._load_file(name, path, platform, table_summary, summary, strict, force, progress)
                except InputError as exc:
                    if strict or exc.line not in (None, 1) or exc.file != path.name:
                        raise
                    summary.failed_files.append(exc)  # refused whole; batches already committed stay
        return summary

    def _discover(self, folder: Path, summary: IngestSummary) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        for path in sorted(folder.iterdir()):
            if path.name == "platform.json" or path.is_dir():
                continue
            if path.suffix.lower() in FORMATS and path.stem in TABLE_NAMES:
                found.setdefault(path.stem, []).append(path)
            else:
                summary.ignored_files.append(path.name)
        return {name: found[name] for name in TABLE_NAMES if name in found}

    def _ensure_platform(self, name: str, exported_at: Any = None) -> None:
        with self.store.engine.begin() as conn:
            self._add_platforms(conn, {name}, exported_at)

    def _add_platforms(self, conn: Connection, names: set[str], exported_at: Any = None) -> None:
        now = utcnow()
        rows = [{"name": n, "exported_at": exported_at, "first_seen_at": now} for n in sorted(names)]
        conn.execute(insert_ignore(conn, platforms), rows)

    def _load_file(
        self,
        table: str,
        path: Path,
        platform: str,
        tsum: TableSummary,
        summary: IngestSummary,
        strict: bool,
        force: bool,
        progress: ProgressCallback | None,
    ) -> None:
        spec = self.specs[table]
        reader = reader_for(path, self.batch_rows)
        fingerprint = _fingerprint(path)
        state = self._checkpoint(platform, table, path.name)
        if state and state["fingerprint"] == fingerprint and not force:
            if state["complete"]:
                tsum.skipped_files.append(path.name)
                if progress:
                    progress(path.name, reader.total_bytes, reader.total_bytes)
                return
            position, accepted, rejected = state["position"], state["rows_accepted"], state["rows_rejected"]
            tsum.resumed_from += position
        else:
            position, accepted, rejected = 0, 0, 0
        sql = self._sql[table]
        big = reader.total_bytes >= self.large_file_bytes
        job = FileJob(table, path, platform, self.batch_rows, position, self.dialect)
        batches = validated_in_worker(job) if big and self.parallel and can_spawn() else validated(job)
        with deferred_indexes(self.store.engine, spec.table, big), closing(batches):
            for records, bytes_done, batch in batches:
                if strict and batch.errors:
                    raise batch.errors[0]
                position += records
                accepted += len(batch.rows)
                rejected += len(batch.errors)
                tsum.read += records
                tsum.accepted += len(batch.rows)
                tsum.rejected += len(batch.errors)
                room = KEEP_ERRORS - len(summary.errors)
                summary.errors.extend(batch.errors[: max(room, 0)])
                with self.store.engine.begin() as conn:
                    self._write(conn, sql, batch, platform, stamped=spec.stamp is not None)
                    self._save_checkpoint(
                        conn, platform, table, path.name, fingerprint, position, accepted, rejected, False
                    )
                if progress:
                    progress(path.name, bytes_done, reader.total_bytes)
        with self.store.engine.begin() as conn:
            self._save_checkpoint(
                conn, platform, table, path.name, fingerprint, position, accepted, rejected, True
            )
        if progress:
            progress(path.name, reader.total_bytes, reader.total_bytes)

    def _write(
        self, conn: Connection, sql: str, batch: ValidBatch, platform: str, *, stamped: bool = False
    ) -> None:
        if batch.platforms - {platform}:
            self._add_platforms(conn, batch.platforms)
        if stamped:
            seen = (self._to_driver(utcnow()),)
            execute_many(conn, sql, [row + seen for row in batch.rows])
        else:
            execute_many(conn, sql, batch.rows)
        self._write_media(conn, batch.media)
        if batch.errors:
            now = utcnow()
            conn.execute(
                ingest_rejects.delete().where(
                    ingest_rejects.c.platform == platform,
                    ingest_rejects.c.file_name == batch.errors[0].file,
                    ingest_rejects.c.line.in_([e.line for e in batch.errors]),
                )
            )
            conn.execute(
                insert(ingest_rejects),
                [
                    {
                        "platform": platform,
                        "file_name": e.file,
                        "line": e.line or 0,
                        "field": e.field,
                        "message": e.message,
                        "created_at": now,
                    }
                    for e in batch.errors
                ],
            )

    def _write_media(self, conn: Connection, items: list[tuple[Any, ...]]) -> None:
        """Media rows, then one hash row per (item, type). A type an item no longer has is deleted (as the
        old per-type column was overwritten with null): the batch's stored types are read first, so a
        first load, which has none, pays one indexed read a chunk of posts and no deletes."""
        execute_many(conn, self._media_sql, [(p, post, m) for p, post, m, _ in items])
        rows = [(p, post, m, t, v, q) for p, post, m, hashes in items for t, (v, q) in hashes.items()]
        now = {(p, post, m): hashes for p, post, m, hashes in items}
        gone = [key for key in self._stored_types(conn, items) if key[3] not in now.get(key[:3], {})]
        execute_many(conn, self._hash_sql, rows)
        execute_many(conn, self._unhash_sql, gone)

    @staticmethod
    def _stored_types(conn: Connection, items: list[tuple[Any, ...]]) -> list[tuple[str, str, str, str]]:
        by_platform: dict[str, set[str]] = {}
        for p, post, _, _ in items:
            by_platform.setdefault(p, set()).add(post)
        h = media_hashes.c
        out: list[tuple[str, str, str, str]] = []
        for platform, post_ids in by_platform.items():
            ids = sorted(post_ids)
            for s in range(0, len(ids), 500):
                query = select(h.platform, h.post_id, h.media_id, h.hash_type).where(
                    h.platform == platform, h.post_id.in_(ids[s : s + 500])
                )
                out += [tuple(r) for r in conn.execute(query)]
        return out

    def _checkpoint(self, platform: str, table: str, file_name: str) -> dict[str, Any] | None:
        query = select(ingest_files).where(
            ingest_files.c.platform == platform,
            ingest_files.c.table_name == table,
            ingest_files.c.file_name == file_name,
        )
        with self.store.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def _save_checkpoint(
        self,
        conn: Connection,
        platform: str,
        table: str,
        file_name: str,
        fingerprint: str,
        position: int,
        accepted: int,
        rejected: int,
        complete: bool,
    ) -> None:
        values = {
            "fingerprint": fingerprint,
            "position": position,
            "rows_accepted": accepted,
            "rows_rejected": rejected,
            "complete": complete,
            "updated_at": utcnow(),
        }
        key = {"platform": platform, "table_name": table, "file_name": file_name}
        upsert_one(conn, ingest_files, key, values)


def _platform_info(folder: Path) -> tuple[str, Any]:
    """The platform's name from ``platform.json`` when present, else the folder's name."""
    meta = folder / "platform.json"
    if not meta.exists():
        return folder.resolve().name, None
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"is not valid JSON ({exc})", file="platform.json") from exc
    if not isinstance(data, dict) or not isinstance(data.get("platform"), str) or not data["platform"]:
        raise InputError("must be an object with a non-empty name", file="platform.json", field="platform")
    exported = data.get("exported_at")
    try:
        exported_at = parse_instant(exported) if exported else None
    except (ValueError, TypeError) as exc:
        raise InputError(str(exc), file="platform.json", field="exported_at") from exc
    return data["platform"], exported_at


def _fingerprint(path: Path) -> str:
    """Size, mtime and the first MiB: cheap, and changes whenever an exporter rewrites the file."""
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest.hexdigest()[:32]}"
