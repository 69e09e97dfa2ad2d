"""Which scans are stale: a capability records what its last scan of a platform was computed from.

``bastion detect`` brings term and media scans up to date first; this ledger lets it skip a scan whose
inputs (the ingested data and the capability's own lists) have not changed since.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from bastion.core.timefmt import utcnow
from bastion.store.bulk import upsert_one
from bastion.store.tables import ingest_files, scan_state


class ScanLedger:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def data_version(self, platform: str) -> str:
        """Moves whenever a load of this platform commits anything."""
        query = select(func.max(ingest_files.c.updated_at), func.sum(ingest_files.c.position)).where(
            ingest_files.c.platform == platform
        )
        with self._engine.connect() as conn:
            latest, position = conn.execute(query).one()
        return f"{latest.isoformat() if latest else '-'}:{position or 0}"

    def recorded(self, capability: str, platform: str) -> str | None:
        query = select(scan_state.c.version).where(
            scan_state.c.capability == capability, scan_state.c.platform == platform
        )
        with self._engine.connect() as conn:
            return conn.execute(query).scalar()

    def is_stale(self, capability: str, platform: str, version: str) -> bool:
        return self.recorded(capability, platform) != version

    def mark(self, capability: str, platform: str, version: str, signals: int) -> None:
        values = {"version": version, "signals": signals, "scanned_at": utcnow()}
        with self._engine.begin() as conn:
            upsert_one(conn, scan_state, {"capability": capability, "platform": platform}, values)
