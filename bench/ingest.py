"""Ingest throughput and memory: Bastion's full load path against a plain ``sqlite3.executemany``.

All run in this one invocation on the same rows, so the ratios hold on a noisy shared machine. Bastion's
figure includes reading and validating the CSV; the baselines get the rows already parsed in memory.
Bastion's load runs first, in a child process whose memory (with its reader worker's) is sampled from
/proc while it runs: a peak inherited from this parent at fork time would otherwise count against it.

    python bench/ingest.py [--follows 1000000] [--workdir DIR] [--export DIR --skip-baselines]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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


def tree_rss_kib(pid: int) -> int:
    """Current resident memory of a process and all its descendants (the load's reader worker included)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def load_with_bastion(db: Path, export: Path) -> tuple[dict[str, float], float]:
    """Bastion's load in a child process, its memory (child + worker) sampled every 50 ms."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(export)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kib(proc.pid))
        time.sleep(0.05)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"bastion load failed:\n{err}")
    return json.loads(out.strip().splitlines()[-1]), peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--follows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--export", type=Path, default=None, help="reuse an export folder instead of generating"
    )
    parser.add_argument("--skip-baselines", action="store_true", help="only Bastion's load (very large runs)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bastion-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    export = args.export
    if export is None:
        accounts = max(1_000, round(args.follows / 12.8))
        t = time.perf_counter()
        platform = generate(
            SynthConfig(accounts=accounts, seed=11, posts_per_account=0.0, interaction_share=0.0)
        )
        export = write_export(platform, work / "export", tables=["follows"])
        took = time.perf_counter() - t
        print(f"generated {len(platform.follow_src):,} follows ({accounts:,} accounts) in {took:.1f}s")
        del platform

    bastion_db = work / "bastion.db"
    result, peak_mib = load_with_bastion(bastion_db, export)
    n = int(result["accepted"])
    assert result["rejected"] == 0, result
    rate = n / result["seconds"]
    print(f"rows                                   {n:,}")
    print(
        f"bastion ingest, CSV file -> SQLite      {rate:10,.0f} rows/s ({result['seconds']:.2f}s; whole load)"
    )
    if not args.skip_baselines:
        with (export / "follows.csv").open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            rows = [
                ("synthbook", a, b, c.replace("T", " ").replace("Z", ".000000"), d) for a, b, c, d in reader
            ]
        assert len(rows) == n
        same_s = baseline(rows, work / "baseline-same.db", with_index=True)
        key_s = baseline(rows, work / "baseline-key.db", with_index=False)
        del rows
        same_rate, key_rate = n / same_s, n / key_s
        print(
            f"baseline A: executemany, same table     {same_rate:10,.0f} rows/s ({same_s:.2f}s; key + index)"
        )
        print(f"baseline B: executemany, key-only table {key_rate:10,.0f} rows/s ({key_s:.2f}s; no index)")
        for name, base in (("A", same_rate), ("B", key_rate)):
            ratio = rate / base
            verdict = "MET" if ratio >= 0.5 else "MISSED"
            print(f"ratio bastion / baseline {name}             {ratio:10.2f}x  target >= 0.50  {verdict}")
    verdict = "MET" if peak_mib < 1024 else "MISSED"
    print(f"peak memory of the load (all processes) {peak_mib:10,.0f} MiB target < 1024   {verdict}")
    print(f"database size                           {os.path.getsize(bastion_db) / 2**20:10,.0f} MiB")


if __name__ == "__main__":
    main()
