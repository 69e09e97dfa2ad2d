"""Helpers for ingest tests: small synthetic exports and whole-database snapshots to compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bastion.store import Store
from bastion.store.tables import EXPORT_TABLES, media
from bastion.synth import GroundTruth, SynthConfig, SyntheticPlatform, generate, write_export

SMALL = SynthConfig(accounts=300, seed=3, networks=1, cells_per_network=2)


def small_platform() -> SyntheticPlatform:
    return generate(SMALL)


def export(tmp: Path, fmt: str = "csv", name: str = "export", **kw: Any) -> Path:
    return write_export(small_platform(), tmp / name, fmt=fmt, **kw)


def truth_export(tmp: pytest.TempPathFactory, accounts: int, seed: int) -> tuple[Path, GroundTruth]:
    """A synthetic platform of ``accounts`` written as a CSV export, with its ground truth (for a
    module-scoped fixture: detection tests ingest it into each store)."""
    platform = generate(SynthConfig(accounts=accounts, seed=seed))
    return write_export(platform, tmp.mktemp("synth") / "export", fmt="csv"), platform.truth


#: columns ingest fills with the load time, so two loads of the same data differ there
LOAD_TIME_COLUMNS = frozenset({"status_seen_at", "received_at"})


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every ingested row, sorted, in comparable form (JSON columns as sorted items)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.engine.connect() as conn:
        for name, table in [*EXPORT_TABLES.items(), ("media", media)]:
            cols = [c for c in table.c if c.name not in LOAD_TIME_COLUMNS]
            rows = [tuple(_plain(v) for v in r) for r in conn.execute(select(*cols))]
            out[name] = sorted(rows, key=repr)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


def count(store: Store, table: str) -> int:
    return len(snapshot(store)[table])
