"""The audit chain's key and its anchors outside the database.

A keyed chain stops someone with write access to the database from re-hashing rows after an edit, but not
from dropping the last rows or emptying the table. Signed checkpoints of the head (sequence, hash, time,
HMAC), appended to a place the operator chooses and the database cannot reach, close that gap: `audit verify`
compares the log with the latest checkpoint, so anything below an anchored sequence that has gone missing or
changed is reported.

Sinks: a file (JSON lines, appended and fsync'd; make it append-only with ``chattr +a`` or ship it off the
host), another database (a table ``bastion_audit_anchors``; give Bastion INSERT and SELECT only there), or a
webhook (write-only from Bastion's side: verify against the receiver's copy with ``--anchors FILE``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, insert, select

from bastion.core.errors import ConfigError, InputError, StorageError
from bastion.core.timefmt import iso, utcnow
from bastion.store.tables_review import review_audit, review_audit_head

#: The built-in development secret (the same one the review settings fall back to).
DEV_SECRET = "development-only-secret-change-me"
KEY_CONTEXT = b"bastion audit chain v1"
GENESIS = "0" * 64
KEYED = "hmac-sha256"
LEGACY = "sha256"


class AuditSettings(BaseSettings):
    """``BASTION_AUDIT_KEY`` (else derived from ``BASTION_SECRET_KEY``), ``BASTION_AUDIT_ANCHOR`` (a file
    path, an http(s) URL or a database URL) and how often the service writes a checkpoint."""

    model_config = SettingsConfigDict(env_prefix="BASTION_", extra="ignore", use_attribute_docstrings=True)

    env: str = "production"
    audit_key: SecretStr | None = None
    """Keys the audit log's hash chain; unset means derived from ``BASTION_SECRET_KEY``."""
    secret_key: SecretStr | None = None
    audit_anchor: str | None = None
    """Where signed checkpoints of the audit log go: a file (make it append-only or ship it off the host),
    an https URL or another database's URL; without one, dropped last rows cannot be detected."""
    audit_checkpoint_seconds: float = 60.0
    """How often the service writes a checkpoint."""

    @property
    def development(self) -> bool:
        return self.env == "development"

    def key(self) -> bytes:
        """The chain key: never stored in the database, so a database writer cannot re-sign rows."""
        if self.audit_key is not None:
            value = self.audit_key.get_secret_value()
            if len(value) < 16:
                raise ConfigError("BASTION_AUDIT_KEY must be at least 16 characters")
            return value.encode()
        secret = self.secret_key.get_secret_value() if self.secret_key is not None else DEV_SECRET
        return hmac.new(secret.encode(), KEY_CONTEXT, hashlib.sha256).digest()

    @property
    def default_key(self) -> bool:
        secret = self.secret_key.get_secret_value() if self.secret_key is not None else DEV_SECRET
        return self.audit_key is None and secret == DEV_SECRET

    def checked(self) -> AuditSettings:
        """Refuse the development key outside development: it would call a real chain broken."""
        if self.default_key and not self.development:
            raise ConfigError(
                "no audit key: set BASTION_AUDIT_KEY (or BASTION_SECRET_KEY, as for `bastion serve`), "
                "or BASTION_ENV=development"
            )
        self.key()
        return self


_ENV_NAMES = (
    "BASTION_ENV",
    "BASTION_AUDIT_KEY",
    "BASTION_SECRET_KEY",
    "BASTION_AUDIT_ANCHOR",
    "BASTION_AUDIT_CHECKPOINT_SECONDS",
)


def audit_settings() -> AuditSettings:
    return _cached_settings(tuple(os.environ.get(n) for n in _ENV_NAMES))


@lru_cache(maxsize=8)
def _cached_settings(_env: tuple[str | None, ...]) -> AuditSettings:
    return AuditSettings()


def chain_key() -> bytes:
    return audit_settings().key()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head at one moment; ``legacy_until`` is the last row written before the chain was keyed."""

    seq: int
    hash: str
    at: str
    legacy_until: int
    mac: str

    def body(self) -> bytes:
        return json.dumps([self.seq, self.hash, self.at, self.legacy_until], separators=(",", ":")).encode()

    def valid(self, key: bytes) -> bool:
        return hmac.compare_digest(self.mac, hmac.new(key, self.body(), hashlib.sha256).hexdigest())

    @classmethod
    def sign(cls, key: bytes, seq: int, head: str, legacy_until: int) -> Checkpoint:
        at = iso(utcnow().replace(microsecond=0))
        unsigned = cls(seq, head, at, legacy_until, "")
        mac = hmac.new(key, unsigned.body(), hashlib.sha256).hexdigest()
        return cls(seq, head, at, legacy_until, mac)

    @classmethod
    def parse(cls, raw: object, where: str) -> Checkpoint:
        if not isinstance(raw, dict):
            raise InputError("a checkpoint must be a JSON object", file=where)
        try:
            return cls(
                int(raw["seq"]), str(raw["hash"]), str(raw["at"]), int(raw["legacy_until"]), str(raw["mac"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"not a checkpoint ({exc})", file=where) from exc


@dataclass(frozen=True, slots=True)
class Anchors:
    """What a sink holds: valid checkpoints in write order, and the lines that failed to parse or verify."""

    checkpoints: tuple[Checkpoint, ...]
    rejected: tuple[str, ...]
    source: str

    @property
    def latest(self) -> Checkpoint | None:
        return max(self.checkpoints, key=lambda c: c.seq) if self.checkpoints else None


class Sink(Protocol):
    name: str

    def write(self, cp: Checkpoint) -> None: ...

    def read(self) -> list[tuple[str, object]] | None:
        """(where, parsed JSON) per checkpoint, or None when the sink cannot be read back (a webhook)."""
        ...


class FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)

    def write(self, cp: Checkpoint) -> None:
        line = json.dumps(asdict(cp), separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise StorageError(f"cannot append the audit checkpoint to {self.path}: {exc}") from exc

    def read(self) -> list[tuple[str, object]] | None:
        if not self.path.exists():
            return []
        out: list[tuple[str, object]] = []
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read audit checkpoints from {self.path}: {exc}") from exc
        for n, raw in enumerate(data.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                out.append((f"{self.path}, line {n}", json.loads(raw)))
            except (UnicodeDecodeError, json.JSONDecodeError):
                out.append((f"{self.path}, line {n}", None))
        return out


class WebhookSink:
    def __init__(self, url: str) -> None:
        self.url = url
        self.name = url

    def write(self, cp: Checkpoint) -> None:
        try:
            httpx.post(self.url, json={"bastion_audit_checkpoint": asdict(cp)}, timeout=10).raise_for_status()
        except httpx.HTTPError as exc:
            raise StorageError(f"audit checkpoint webhook {self.url} failed: {exc}") from exc

    def read(self) -> list[tuple[str, object]] | None:
        return None


_anchor_md = MetaData()
anchor_table = Table(
    "bastion_audit_anchors",
    _anchor_md,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("legacy_until", Integer, nullable=False),
    Column("mac", String(64), nullable=False),
)


class DatabaseSink:
    """A table in another database (not Bastion's own: a writer there must not be able to reach it)."""

    def __init__(self, url: str) -> None:
        from bastion.store.engine import normalise_url

        self.url = normalise_url(url)
        self.name = url.split("@")[-1]
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.url)
            _anchor_md.create_all(self._engine)
        return self._engine

    def write(self, cp: Checkpoint) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(anchor_table).values(**asdict(cp)))

    def read(self) -> list[tuple[str, object]] | None:
        with self.engine.connect() as conn:
            rows = conn.execute(select(anchor_table).order_by(anchor_table.c.id)).mappings().all()
        return [(f"{self.name} anchor {r['id']}", dict(r)) for r in rows]


def open_sink(target: str | None) -> Sink | None:
    if not target:
        return None
    if target.startswith(("http://", "https://")):
        return WebhookSink(target)
    if target.startswith(("postgresql", "postgres://", "sqlite:")):
        return DatabaseSink(target)
    return FileSink(Path(target.removeprefix("file://")).expanduser())


def load_anchors(sink: Sink, key: bytes) -> Anchors | None:
    entries = sink.read()
    if entries is None:
        return None
    good: list[Checkpoint] = []
    rejected: list[str] = []
    for where, raw in entries:
        try:
            cp = Checkpoint.parse(raw, where)
        except InputError:
            rejected.append(f"{where}: not a checkpoint")
            continue
        if cp.valid(key):
            good.append(cp)
        else:
            rejected.append(f"{where}: signature does not match (forged, or written with another key)")
    return Anchors(tuple(good), tuple(rejected), sink.name)


def current_head(engine: Engine) -> tuple[int, str, int]:
    """(seq, hash, last legacy seq) of the log as it stands."""
    with engine.connect() as conn:
        head = conn.execute(select(review_audit_head.c.seq, review_audit_head.c.hash)).first()
        legacy = conn.execute(
            select(review_audit.c.seq)
            .where(review_audit.c.scheme == LEGACY)
            .order_by(review_audit.c.seq.desc())
            .limit(1)
        ).scalar()
    seq, digest = (int(head.seq), str(head.hash)) if head is not None else (0, GENESIS)
    return seq, digest, int(legacy or 0)


class Anchorer:
    """Writes a checkpoint when the head moved since the last one this process wrote."""

    def __init__(self, settings: AuditSettings | None = None) -> None:
        self.settings = settings or audit_settings()
        self.sink = open_sink(self.settings.audit_anchor)
        self._last: tuple[int, str] | None = None

    def checkpoint(self, engine: Engine, *, force: bool = False) -> Checkpoint | None:
        if self.sink is None:
            return None
        seq, digest, legacy = current_head(engine)
        if not force and self._last == (seq, digest):
            return None
        cp = Checkpoint.sign(self.settings.key(), seq, digest, legacy)
        self.sink.write(cp)
        self._last = (seq, digest)
        return cp


_written: set[str] = set()


def note_write(engine: Engine) -> None:
    """Remember that this process appended to the log at ``engine`` (the CLI anchors it on exit)."""
    _written.add(engine.url.render_as_string(hide_password=False))


def forget_written() -> None:
    """Start a command afresh: only the logs it writes to are anchored when it ends."""
    _written.clear()


def anchor_written() -> list[Checkpoint]:
    """Checkpoint every log this process wrote to, when a sink is configured (called after CLI commands)."""
    if not _written:
        return []
    anchorer = Anchorer()
    out: list[Checkpoint] = []
    urls = sorted(_written)
    _written.clear()
    if anchorer.sink is None:
        return out
    for url in urls:
        engine = create_engine(url)
        try:
            cp = anchorer.checkpoint(engine, force=True)
        finally:
            engine.dispose()
        if cp is not None:
            out.append(cp)
    return out
