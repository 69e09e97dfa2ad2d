"""Benchmark the file exchange sync: 1M PDQ hashes from a threatexchange file, next to a plain bank import of
the same file in the same run, and a sync killed (SIGKILL) part-way that resumes from its checkpoint.

    .venv/bin/python bench/exchange.py [--hashes 1000000] [--kill-after 0.4]

Targets (issue 18): the sync completes in under a minute; after a kill it resumes (the pages before the last
checkpoint are not read again) and ends with every hash listed exactly once.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from bastion.exchange import ExchangeService, ExchangeSettings
from bastion.media import BankRepository
from bastion.store import Store
from bastion.store.tables_media import media_entries

BANK = "FILE_X"


def write_file(path: Path, n: int, seed: int = 18) -> None:
    rng = np.random.default_rng(seed)
    with path.open("w") as f:
        for s in range(0, n, 100_000):
            block = rng.integers(0, 256, (min(100_000, n - s), 32), dtype=np.uint8)
            f.write("".join(f"pdq {row.tobytes().hex()}\n" for row in block))


def active(store: Store) -> tuple[int, int]:
    """(active entries, distinct active values): equal when nothing was listed twice."""
    with store.engine.connect() as conn:
        live = media_entries.c.removed_at.is_(None)
        n = conn.execute(select(func.count()).where(live)).scalar_one()
        d = conn.execute(select(func.count(func.distinct(media_entries.c.value))).where(live)).scalar_one()
    return int(n), int(d)


def sync_in(db: Path, src: Path, create: bool) -> tuple[float, object]:
    with Store(f"sqlite:///{db}") as store:
        svc = ExchangeService(store, ExchangeSettings())
        if create:
            svc.exchanges.create(BANK, "local_file", {"filename": str(src)}, by="bench")
        t = time.perf_counter()
        result = svc.exchanges.sync(BANK)
        return time.perf_counter() - t, result


def child(db: str, src: str) -> None:
    """The process the benchmark kills: one sync, nothing else."""
    sync_in(Path(db), Path(src), create=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hashes", type=int, default=1_000_000)
    ap.add_argument("--kill-after", type=float, default=0.4, help="share of the measured sync time")
    ap.add_argument("--child", nargs=2)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "hashes.txt"
        t = time.perf_counter()
        write_file(src, args.hashes)
        print(
            f"file: {args.hashes:,} PDQ lines, {src.stat().st_size / 1e6:.0f} MB, written in "
            f"{time.perf_counter() - t:.1f}s"
        )

        with Store(f"sqlite:///{root / 'base.db'}") as store:
            t = time.perf_counter()
            BankRepository(store, index_dir=root / "idx-base").import_file(src, by="bench", list_name="BASE")
            base = time.perf_counter() - t
            base_counts = active(store)
        print(
            f"baseline, plain bank import of the file: {base:.1f}s ({args.hashes / base:,.0f} hashes/s), "
            f"{base_counts[0]:,} listed"
        )

        took, result = sync_in(root / "sync.db", src, create=True)
        with Store(f"sqlite:///{root / 'sync.db'}") as store:
            counts = active(store)
        verdict = "met" if took < 60 else "MISSED"
        print(
            f"file exchange sync: {took:.1f}s ({args.hashes / took:,.0f} hashes/s), {counts[0]:,} listed, "
            f"{counts[1]:,} distinct; {took / base:.2f}x the plain import; target < 60s: {verdict}"
        )
        print(f"  {result}")

        db = root / "killed.db"
        with Store(f"sqlite:///{db}") as store:
            ExchangeService(store, ExchangeSettings()).exchanges.create(
                BANK, "local_file", {"filename": str(src)}, by="bench"
            )
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(db), str(src)])
        time.sleep(max(1.0, took * args.kill_after))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with Store(f"sqlite:///{db}") as store:
            before = active(store)
            status = ExchangeService(store, ExchangeSettings()).exchanges.status(BANK)
        print(
            f"killed after {max(1.0, took * args.kill_after):.1f}s: {before[0]:,} listed, checkpoint "
            f"covers {status['fetched']:,} updates"
        )
        resumed, result = sync_in(db, src, create=False)
        with Store(f"sqlite:///{db}") as store:
            after = active(store)
        ok = after[0] == after[1] == args.hashes
        print(
            f"resumed: {resumed:.1f}s for the rest ({resumed / took:.2f}x a full sync), {after[0]:,} listed, "
            f"{after[1]:,} distinct: {'met' if ok else 'MISSED'}"
        )
        print(f"  {result}")


if __name__ == "__main__":
    main()
