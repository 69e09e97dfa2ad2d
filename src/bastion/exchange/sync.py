"""Hash exchanges through python-threatexchange's ``SignalExchangeAPI``: configs, resumable sync, feedback.

An exchange fills the bank of its name. A sync asks the API for deltas from the saved checkpoint and applies
each one in order (a run of additions in one bulk import; a deletion after every addition before it, so
add-then-delete ends deleted), then saves the delta's checkpoint: a killed sync resumes from the last saved
one, and replaying a delta is harmless (imports skip entries already listed, entry rows are upserted). Each
signal's row keeps the exchange's own entry ids (NCMEC's entry and member id) for feedback. A hash a reviewer
found to be a false positive is disabled: out of the list, and never re-added by a later sync.

Credentials come from settings only (``BASTION_EXCHANGE_*``); NCMEC's test environment is the default.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEnvironment
from threatexchange.exchanges.impl.ncmec_api import NCMECSignalExchangeAPI
from threatexchange.exchanges.signal_exchange_api import AnySignalExchangeAPI
from threatexchange.utils import dataclass_json

from bastion.core.errors import Conflict, InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.exchange import entry_ids
from bastion.exchange.apis import APIS, ApiClients
from bastion.exchange.bank_views import check_bank_name
from bastion.exchange.banks import Banks
from bastion.exchange.settings import ExchangeSettings
from bastion.media import HASH_TYPES, Record, normalise
from bastion.store.bulk import execute_many, upsert_sql
from bastion.store.tables_exchange import (
    exchange_checkpoints,
    exchange_configs,
    exchange_entries,
    exchange_floods,
)
from bastion.store.types import instant_to_driver

log = logging.getLogger("bastion.exchange")
SYNC_USER = "exchange-sync"
#: Values already in the form their type's validation returns: a sync of a million skips re-validating them.
CANONICAL = {
    "pdq": re.compile(r"[0-9a-f]{64}"),
    "video_md5": re.compile(r"[0-9a-f]{32}"),
    "video_sha256": re.compile(r"[0-9a-f]{64}"),
}
Update = tuple[str, str, Any]  # signal type, value, metadata (None: delete)


@dataclass(frozen=True, slots=True)
class SyncResult:
    exchange: str
    added: int
    deleted: int
    skipped: int  # disabled locally (false positives), unknown types or invalid values
    deltas: int
    complete: bool  # the API said it is up to date (else stopped early)

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def _signal_types() -> list[Any]:
    """threatexchange's SignalType classes of the registered hash types that have one."""
    out = []
    for h in HASH_TYPES:
        cls = getattr(h, "signal", None)
        if cls is not None:
            out.append(cls)
    return out


class Exchanges:
    """Exchange configs, their sync and the feedback they take."""

    def __init__(self, banks: Banks, settings: ExchangeSettings) -> None:
        self.banks = banks
        self.store = banks.store
        self.settings = settings
        self.clients = ApiClients(settings)

    # -- configs ---------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        with self.store.engine.connect() as conn:
            return list(conn.execute(select(exchange_configs.c.name).order_by("name")).scalars())

    def config(self, name: str) -> dict[str, Any]:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(exchange_configs).where(exchange_configs.c.name == name)).first()
        if row is None:
            raise NotFound(f"Exchange '{name}' not found")
        return {**row.config, "name": row.name, "api": row.api, "enabled": bool(row.enabled)}

    def create(
        self, name: str, api: str, api_json: Mapping[str, Any], *, by: str, platform: str | None = None
    ) -> dict[str, Any]:
        check_bank_name(name)
        cls = APIS.get(api)
        if cls is None:
            raise InputError(f"No such exchange type '{api}'", field="api")
        if name in self.names():
            raise Conflict(f"exchange {name!r} already exists")
        raw = {**api_json, "name": name, "api": api, "enabled": api_json.get("enabled", True)}
        if issubclass(cls, NCMECSignalExchangeAPI):  # by name or URL; else the configured (test) one
            env = str(raw.get("environment") or self.settings.ncmec_environment)
            members = NCMECEnvironment.__members__
            raw["environment"] = members[env].value if env in members else env
        try:
            cfg = dataclass_json.dataclass_load_dict(raw, cls.get_config_cls())
        except Exception as exc:  # threatexchange raises whatever the dataclass loader does
            raise InputError(f"Failed to parse `api_json` - verify all fields are supplied. {exc}") from exc
        dumped = json.loads(dataclass_json.dataclass_dumps(cfg))  # enums and sets as JSON, as HMA stores them
        if self.banks.bank(name) is None:
            self.banks.create(name, 1.0, by=by)
        with self.store.engine.begin() as conn:
            conn.execute(
                insert(exchange_configs).values(
                    name=name,
                    platform=platform,
                    api=api,
                    config=dumped,
                    enabled=bool(dumped.get("enabled", True)),
                    created_by=by,
                    created_at=utcnow(),
                )
            )
            conn.execute(insert(exchange_checkpoints).values(name=name))
        return self.config(name)

    def set_enabled(self, name: str, enabled: bool) -> dict[str, Any]:
        self.config(name)
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_configs).where(exchange_configs.c.name == name).values(enabled=enabled)
            )
        return self.config(name)

    def delete(self, name: str) -> None:
        """The config, its checkpoint and entry ids go; the bank and its hashes stay (delete it apart)."""
        with self.store.engine.begin() as conn:
            conn.execute(delete(exchange_entries).where(exchange_entries.c.exchange == name))
            conn.execute(delete(exchange_checkpoints).where(exchange_checkpoints.c.name == name))
            conn.execute(delete(exchange_configs).where(exchange_configs.c.name == name))

    def status(self, name: str) -> dict[str, Any]:
        self.config(name)
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(exchange_checkpoints).where(exchange_checkpoints.c.name == name)
            ).first()
        if row is None:
            return {"last_fetch_time": 0, "checkpoint_time": 0, "success": True}
        return {
            "last_fetch_time": int(row.last_fetch_time),
            "checkpoint_time": int(row.checkpoint_time),
            "success": bool(row.success),
            "fetched": int(row.fetched),
            "error": row.error,
        }

    # -- the APIs --------------------------------------------------------------------------------------
    def credentials_status(self, api: str) -> dict[str, bool]:
        return self.clients.credentials_status(api)

    def api(self, name: str) -> AnySignalExchangeAPI:
        """A ready API client for the exchange, with credentials from settings."""
        return self.clients.client(name, self.config(name))

    # -- sync ------------------------------------------------------------------------------------------
    def _checkpoint(self, name: str, cls: type[Any]) -> Any:
        with self.store.engine.connect() as conn:
            raw = conn.execute(
                select(exchange_checkpoints.c.checkpoint).where(exchange_checkpoints.c.name == name)
            ).scalar()
        if raw is None:
            return None
        cp = dataclass_json.dataclass_load_dict(raw, cls)
        return None if cp.is_stale() else cp

    def sync_all(self) -> list[SyncResult]:
        out = []
        for name in self.names():
            if self.config(name)["enabled"]:
                try:
                    out.append(self.sync(name))
                except Exception as exc:  # one exchange's failure is recorded, the others still run
                    log.error("exchange %s sync failed: %s", name, exc)
        return out

    def sync(self, name: str, *, max_deltas: int | None = None) -> SyncResult:
        """Fetch and apply from the saved checkpoint; ``max_deltas`` stops early (tests, a bounded run)."""
        api = self.api(name)
        started = int(time.time())
        checkpoint = self._checkpoint(name, api.get_checkpoint_cls())
        added = deleted = skipped = deltas = 0
        complete = True
        try:
            for delta in api.fetch_iter(_signal_types(), checkpoint):
                a, d, s = self._apply(name, self._updates(api, delta.updates))
                added, deleted, skipped, deltas = added + a, deleted + d, skipped + s, deltas + 1
                self._save_checkpoint(name, delta.checkpoint, started, a + d)
                if max_deltas is not None and deltas >= max_deltas:
                    complete = False
                    break
        except Exception as exc:
            self._save_failure(name, started, exc)
            raise
        return SyncResult(name, added, deleted, skipped, deltas, complete)

    def _updates(self, api: AnySignalExchangeAPI, updates: Mapping[Any, Any]) -> Iterator[Update]:
        """(signal type, value, metadata or None) in the API's order, for simple and record-keyed APIs."""
        # every SignalExchangeAPI implementation keeps its config as ``collab``
        collab: Any = api.collab  # type: ignore[attr-defined]
        for key, value in updates.items():
            if isinstance(key, tuple):
                yield key[0], key[1], value
                continue
            if value is None or getattr(value, "deleted", False):  # a record deleted by id: its signals go
                for kind, val, rest in entry_ids.of_record(self.store.engine, collab.name, str(key)):
                    if rest:  # another record still lists the hash: only this record's ids go
                        entry_ids.keep(self.store.engine, collab.name, kind, val, rest)
                    else:
                        yield kind, val, None
                continue
            converted = api.naive_convert_to_signal_type(_signal_types(), collab, {key: value})
            for cls, signals in converted.items():
                for val, meta in signals.items():
                    member, entry = getattr(value, "member_id", None), getattr(value, "id", None)
                    yield cls.get_name(), val, _RecordMeta(str(key), member, entry, meta)

    def _apply(self, name: str, updates: Iterable[Update]) -> tuple[int, int, int]:
        disabled = self._disabled(name)
        known = set(HASH_TYPES.names())
        pending: list[tuple[str, str, Any]] = []
        added = deleted = skipped = 0
        for kind, raw, meta in updates:
            if kind not in known:
                skipped += 1
                continue
            canonical = CANONICAL.get(kind)
            if canonical is not None and canonical.fullmatch(raw):
                value = raw  # already in the form the type's validation returns (a test pins it)
            else:
                try:
                    value = normalise(kind, raw)
                except InputError:
                    skipped += 1
                    continue
            if meta is None:
                added += self._flush(name, pending)
                pending = []
                deleted += self._delete(name, kind, value)
            elif (kind, value) in disabled:
                skipped += 1
            else:
                pending.append((kind, value, meta))
        added += self._flush(name, pending)
        return added, deleted, skipped

    def _flush(self, name: str, pending: list[tuple[str, str, Any]]) -> int:
        if not pending:
            return 0
        records = [Record(k, v, name) for k, v, _ in pending]
        summary = self.banks.repo.import_records(records, by=SYNC_USER)
        at = instant_to_driver(self.store.dialect)(utcnow())
        # only signals that carry the exchange's own ids need a row (feedback finds the others by bank); a
        # hash several records list keeps the ids of each
        ids_of: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for k, v, m in pending:
            if ids := _remote_ids(m):
                ids_of[(k, v)] = entry_ids.merged(ids, ids_of.get((k, v), []))
        if ids_of:
            kept = entry_ids.existing(self.store.engine, name, ids_of)
            ids_of = {key: entry_ids.merged(ids, kept.get(key, [])) for key, ids in ids_of.items()}
        rows = [(name, k, v, json.dumps(ids), at) for (k, v), ids in ids_of.items()]
        sql = upsert_sql(
            exchange_entries,
            ("exchange", "signal_type", "value", "remote_ids", "updated_at"),
            ("exchange", "signal_type", "value"),
            self.store.dialect,
        )
        if self.store.dialect == "postgresql":
            sql = sql.replace("%s, %s, %s, %s", "%s, %s, %s, %s::jsonb", 1)
        with self.store.engine.begin() as conn:
            execute_many(conn, sql, rows)
        return int(summary.added)

    def _delete(self, name: str, kind: str, value: str) -> int:
        with self.store.engine.begin() as conn:
            conn.execute(
                delete(exchange_entries).where(
                    exchange_entries.c.exchange == name,
                    exchange_entries.c.signal_type == kind,
                    exchange_entries.c.value == value,
                    exchange_entries.c.disabled.is_(False),
                )
            )
        try:
            self.banks.repo.remove(name, value, by=SYNC_USER, signal_type=kind)
        except NotFound:
            return 0
        return 1

    def _disabled(self, name: str) -> set[tuple[str, str]]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(exchange_entries.c.signal_type, exchange_entries.c.value).where(
                    exchange_entries.c.exchange == name, exchange_entries.c.disabled.is_(True)
                )
            )
            held = conn.execute(
                select(exchange_floods.c.signal_type, exchange_floods.c.value).where(
                    exchange_floods.c.list_name == name, exchange_floods.c.status != "released"
                )
            )
            return {(r.signal_type, r.value) for r in rows} | {(r.signal_type, r.value) for r in held}

    def _save_checkpoint(self, name: str, checkpoint: Any, started: int, applied: int) -> None:
        progress = checkpoint.get_progress_timestamp() if checkpoint is not None else None
        values = {
            "checkpoint": json.loads(dataclass_json.dataclass_dumps(checkpoint))
            if checkpoint is not None
            else None,
            "last_fetch_time": started,
            "checkpoint_time": int(progress or time.time()),
            "success": True,
            "error": None,
            "fetched": exchange_checkpoints.c.fetched + applied,
        }
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_checkpoints).where(exchange_checkpoints.c.name == name).values(**values)
            )

    def _save_failure(self, name: str, started: int, exc: Exception) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_checkpoints)
                .where(exchange_checkpoints.c.name == name)
                .values(last_fetch_time=started, success=False, error=str(exc)[:2000])
            )

    def entry(self, name: str, kind: str, value: str) -> dict[str, Any] | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(exchange_entries).where(
                    exchange_entries.c.exchange == name,
                    exchange_entries.c.signal_type == kind,
                    exchange_entries.c.value == value,
                )
            ).first()
        return None if row is None else dict(row._mapping)


@dataclass(frozen=True, slots=True)
class _RecordMeta:
    """A signal of a record-keyed API (NCMEC): the record's key (a deletion names it), its member and the
    member's own entry id (a vote names those two)."""

    record_id: str  # the API's key: NCMEC's ``<member id>-<entry id>``
    member_id: int | None
    entry_id: str | None
    meta: Any


def _remote_ids(meta: Any) -> list[dict[str, Any]]:
    if isinstance(meta, _RecordMeta):
        return [{"id": meta.record_id, "member_id": meta.member_id, "entry_id": meta.entry_id}]
    return []


__all__ = ["Exchanges", "SyncResult", "state"]
