"""Ingest throughput and memory: Bastion's full load path against a plain ``sqlite3.executemany``.

All run in this one invocation on the same rows, so the ratios hold on a noisy shared machine. Bastion's
figure includes reading and validating the CSV; the baselines get the rows already parsed in memory. The
baselines, and the load, run in child processes or after the parent drops its data, so Bastion's peak memory
(the child's maximum resident set) is its own.

    python bench/ingest.py [--follows 1000000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bastion.synth import SynthConfig, generate, write_export

CHILD = """
import json, sys, time
from pathlib import Path
from bastion.ingest import Ingestor
from bastion.store import Store
store = Store("sqlite:///" + sys.argv[1])
t = time.perf_counter()
summary = Ingestor(store).ingest(Path(sys.argv[2]))
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "accepted": summary.accepted, "rejected": summary.rejected}))
"""


def baseline(rows: list[tuple[str, ...]], db: Path, *, with_index: bool) -> float:
    """The same rows, already parsed, into an equivalent table, one transaction per 20,000 rows.

    ``with_index``: the table Bastion has (same key and the followee index, kept up during the load, as a
    plain loader would). Without it: key only, the cheapest table that still rejects duplicate follows.
    """
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE follows (platform TEXT, follower_id TEXT, followee_id TEXT, created_at TEXT,"
        " source TEXT, extra TEXT, PRIMARY KEY (platform, follower_id, followee_id))"
    )
    if with_index:
        conn.execute("CREATE INDEX ix_followee ON follows (platform, followee_id)")
    start = time.perf_counter()
    for lo in range(0, len(rows), 20_000):
        with conn:
            conn.executemany("INSERT INTO follows VALUES (?, ?, ?, ?, ?, NULL)", rows[lo : lo + 20_000])
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--follows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bastion-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    accounts = max(1_000, round(args.follows / 12.8))
    t = time.perf_counter()
    platform = generate(SynthConfig(accounts=accounts, seed=11, posts_per_account=0.0, interaction_share=0.0))
    export = write_export(platform, work / "export", tables=["follows"])
    took = time.perf_counter() - t
    print(f"generated {len(platform.follow_src):,} follows ({accounts:,} accounts) in {took:.1f}s")
    del platform

    with (export / "follows.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [("synthbook", a, b, c.replace("T", " ").replace("Z", ".000000"), d) for a, b, c, d in reader]
    n = len(rows)
    bastion_db = work / "bastion.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{bastion_db}{suffix}").unlink(missing_ok=True)

    same_s = baseline(rows, work / "baseline-same.db", with_index=True)
    key_s = baseline(rows, work / "baseline-key.db", with_index=False)
    del rows
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(bastion_db), str(export)],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["accepted"] == n and result["rejected"] == 0, result

    rate = n / result["seconds"]
    same_rate, key_rate = n / same_s, n / key_s
    print(f"rows                                   {n:,}")
    print(f"baseline A: executemany, same table     {same_rate:10,.0f} rows/s ({same_s:.2f}s; key + index)")
    print(
        f"baseline B: executemany, key-only table {key_rate:10,.0f} rows/s ({key_s:.2f}s; no secondary index)"
    )
    print(
        f"bastion ingest, CSV file -> SQLite      {rate:10,.0f} rows/s ({result['seconds']:.2f}s; whole load)"
    )
    for name, base in (("A", same_rate), ("B", key_rate)):
        ratio = rate / base
        verdict = "MET" if ratio >= 0.5 else "MISSED"
        print(f"ratio bastion / baseline {name}             {ratio:10.2f}x  target >= 0.50  {verdict}")
    verdict = "MET" if peak_mib < 1024 else "MISSED"
    print(f"peak memory of the load (child RSS)     {peak_mib:10,.0f} MiB target < 1024   {verdict}")
    print(f"database size                           {os.path.getsize(bastion_db) / 2**20:10,.0f} MiB")


if __name__ == "__main__":
    main()
