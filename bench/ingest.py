"""Ingest throughput and memory: Bastion's full load path against a plain ``sqlite3.executemany``.

Both run in this one invocation on the same rows, so the ratio holds on a noisy shared machine. Bastion's
figure includes reading and validating the CSV; the baseline gets the rows already parsed in memory.
Bastion's load runs in a child process so its peak memory is its own.

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


def baseline(rows: list[tuple[str, ...]], db: Path) -> float:
    """The same rows, already parsed, into an equivalent table with the same key, one transaction per batch."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE follows (platform TEXT, follower_id TEXT, followee_id TEXT, created_at TEXT, source TEXT,"
        " extra TEXT, PRIMARY KEY (platform, follower_id, followee_id))"
    )
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
    accounts = max(1_000, round(args.follows / 12.3))
    t = time.perf_counter()
    platform = generate(SynthConfig(accounts=accounts, seed=11, posts_per_account=0.0))
    export = write_export(platform, work / "export", tables=["follows"])
    print(
        f"generated {len(platform.follow_src):,} follows for {accounts:,} accounts in {time.perf_counter() - t:.1f}s"
    )

    with (export / "follows.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [("synthbook", a, b, c.replace("T", " ").replace("Z", ".000000"), d) for a, b, c, d in reader]
    n = len(rows)
    base_db = work / "baseline.db"
    bastion_db = work / "bastion.db"
    for path in (base_db, bastion_db):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    base_s = baseline(rows, base_db)
    del rows
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(bastion_db), str(export)],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["accepted"] == n and result["rejected"] == 0, result

    base_rate, rate = n / base_s, n / result["seconds"]
    ratio = rate / base_rate
    peak_mib = max(peak_kib, before) / 1024
    print(f"rows                         {n:,}")
    print(
        f"baseline sqlite3.executemany {base_rate:12,.0f} rows/s  ({base_s:.2f}s, rows pre-parsed in memory)"
    )
    print(
        f"bastion ingest (CSV->SQLite) {rate:12,.0f} rows/s  ({result['seconds']:.2f}s, parse+validate+upsert)"
    )
    print(
        f"ratio bastion/baseline       {ratio:12.2f}x   target >= 0.50  {'MET' if ratio >= 0.5 else 'MISSED'}"
    )
    print(
        f"peak memory of the load      {peak_mib:12,.0f} MiB  target < 1024 {'MET' if peak_mib < 1024 else 'MISSED'}"
    )
    print(f"database size                {os.path.getsize(bastion_db) / 2**20:12,.0f} MiB")


if __name__ == "__main__":
    main()
