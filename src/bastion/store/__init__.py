"""Storage: SQLAlchemy Core tables, Alembic migrations and repositories over SQLite or PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, select

from bastion.core.errors import InputError, NotFound
from bastion.core.model import CANARY_PLATFORM
from bastion.core.settings import load_settings
from bastion.store import migrate
from bastion.store.bulk import ensure_indexes
from bastion.store.changes import ChangeLog
from bastion.store.engine import make_engine, normalise_url
from bastion.store.scans import ScanLedger
from bastion.store.schema import metadata
from bastion.store.signals import SignalRepository
from bastion.store.tables import platforms


class Store:
    """One database, migrated to the current schema on open: the handle every capability is given."""

    def __init__(self, url: str | None = None, *, auto_migrate: bool = True) -> None:
        self.url = normalise_url(url or load_settings().database_url)
        self.engine: Engine = make_engine(self.url)
        if auto_migrate:
            migrate.upgrade(self.engine)
            ensure_indexes(self.engine, metadata)
        self.signals = SignalRepository(self.engine)
        self.scans = ScanLedger(self.engine)
        self.changes = ChangeLog(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def platforms(self) -> list[str]:
        """Every platform loaded so far, by name."""
        with self.engine.connect() as conn:
            return [str(n) for n in conn.scalars(select(platforms.c.name).order_by(platforms.c.name))]

    def resolve_platform(self, platform: str | None) -> str:
        """The platform a command works on: the one given, or the only one stored."""
        known = self.platforms()
        if platform is not None:
            if platform not in known:
                names = ", ".join(known) or "none"
                raise NotFound(f"platform {platform!r} is not in the database (known: {names})")
            return platform
        real = [p for p in known if p != CANARY_PLATFORM]  # review's canary is no platform to work on
        if len(real) == 1:
            return real[0]
        if not real:
            raise NotFound("the database holds no platform yet: run `bastion ingest FOLDER` first")
        raise InputError(
            f"several platforms in the database ({', '.join(real)}): choose one with --platform",
            field="platform",
        )

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


__all__ = ["ScanLedger", "SignalRepository", "Store"]
