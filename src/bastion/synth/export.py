"""Write a synthetic platform as an export folder, each table in the format asked for."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bastion.synth.generator import SyntheticPlatform

COLUMNS: dict[str, list[str]] = {
    "accounts": [
        "account_id",
        "created_at",
        "username",
        "display_name",
        "bio",
        "external_links",
        "age_band",
        "status",
    ],
    "follows": ["follower_id", "followee_id", "created_at", "source"],
    "posts": ["post_id", "account_id", "created_at", "kind", "text", "hashtags", "media"],
    "interactions": ["actor_id", "target_account_id", "kind", "count", "first_at", "last_at"],
    "messages": ["sender_id", "recipient_id", "count", "first_at", "last_at", "initiated_by_sender"],
    "searches": ["account_id", "query", "created_at", "results_shown"],
    "recommendations": ["viewer_id", "recommended_id", "surface", "shown_at", "clicked", "followed"],
    "reports": ["report_id", "reporter_id", "target_type", "target_id", "reason", "created_at", "text"],
    "seeds": ["account_id", "reason", "source"],
}


def write_export(
    platform: SyntheticPlatform,
    folder: Path,
    *,
    fmt: str = "csv",
    formats: dict[str, str] | None = None,
    tables: Iterable[str] | None = None,
) -> Path:
    """``fmt`` for every table unless ``formats`` names one; ground truth goes beside, in ``truth.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = list(tables or COLUMNS)
    (folder / "platform.json").write_text(
        json.dumps({"platform": platform.config.platform, "exported_at": "2025-01-01T00:00:00Z"}),
        encoding="utf-8",
    )
    for name in wanted:
        kind = (formats or {}).get(name, fmt)
        _write(folder / f"{name}.{kind}", COLUMNS[name], _chunks(platform, name), kind)
    platform.truth.save(folder.parent / f"{folder.name}.truth.json")
    return folder


def _chunks(platform: SyntheticPlatform, name: str) -> Iterator[list[dict[str, Any]]]:
    if name == "follows":
        yield from platform.follows()
    elif name == "accounts":
        yield platform.accounts
    else:
        yield platform.tables.get(name, [])


def _write(path: Path, columns: list[str], chunks: Iterator[list[dict[str, Any]]], kind: str) -> None:
    if kind == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for chunk in chunks:
                writer.writerows([row.get(c, "") for c in columns] for row in chunk)
    elif kind == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.writelines(json.dumps(_typed(row), ensure_ascii=False) + "\n" for row in chunk)
    elif kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        try:
            for chunk in chunks:
                table = pa.Table.from_pylist([{c: _typed(r).get(c) for c in columns} for r in chunk])
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table.cast(writer.schema))
            if writer is None:
                pq.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}), path)
        finally:
            if writer is not None:
                writer.close()
    else:
        raise ValueError(f"unknown export format {kind!r}")


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """JSONL and Parquet carry real types: lists, numbers and booleans instead of CSV strings."""
    out = {k: v for k, v in row.items() if v != ""}
    for key in ("clicked", "followed", "initiated_by_sender"):
        if key in out:
            out[key] = out[key] == "true"
    if "media" in out:
        out["media"] = json.loads(out["media"])
    for key in ("hashtags", "external_links"):
        if key in out:
            out[key] = out[key].split(";")
    return out
