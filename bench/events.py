"""The live event API (``POST /v1/events``): events/s acknowledged in batches and as single-event requests,
p50/p99 time to acknowledged-and-stored, next to a plain INSERT of the same rows into the same database with
the same durability measured in the same run (the baseline the ratios are against), then a SIGKILL of the
service under load (no acknowledged event may be missing afterwards). SQLite and PostgreSQL in one run.

    .venv/bin/python bench/events.py [--events 20000] [--batch 500] [--singles 3000] [--clients 32]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres | --pg none] [--before-src ../main/src]

The service runs as a ``bastion serve --workers N`` subprocess (1 and 2 workers; background jobs on one
elected leader); a ``--before-src`` tree without ``--workers`` runs as uvicorn over its app factory.
The client is this process (asyncio, ``--clients`` requests in flight), on the same cores, after 300
unmeasured warm-up requests.
``--before-src`` also measures the service from another source tree (e.g. the lead's main) in the same
run, for before/after. Each service gets a fresh database (a new SQLite file; a new PostgreSQL database,
dropped afterwards). Targets (issue 17): >= 5,000 events/s in batches, >= 1,000/s single, p99 to stored
< 200 ms, 0 lost under SIGKILL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from _service import SECRET, fresh_database, service
from bastion.ingest import Ingestor
from bastion.ingest.events import durable_engine
from bastion.review.auth import Auth
from bastion.store import Store
from bastion.store.tables import EXPORT_TABLES
from bastion.store.tables_events import ingest_events

PLATFORM = "benchplatform"
T = "2026-03-01T12:00:00Z"
PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def event(prefix: str, i: int) -> dict[str, Any]:
    """A mix like a live platform's: profile changes, follows and posts (neutral invented values)."""
    kind = i % 5
    if kind < 2:
        row: dict[str, Any] = {
            "account_id": f"a{i % 20_011}",
            "created_at": T,
            "username": f"user{i % 20_011}",
            "display_name": f"User {i}",
            "age_band": "adult",
        }
        return {"event_id": f"{prefix}{i}", "table": "accounts", "row": row}
    if kind < 4:
        row = {"follower_id": f"a{i % 20_011}", "followee_id": f"a{(i * 7) % 20_011}", "created_at": T}
        return {"event_id": f"{prefix}{i}", "table": "follows", "row": row}
    row = {
        "post_id": f"{prefix}p{i}",
        "account_id": f"a{i % 20_011}",
        "created_at": T,
        "text": "a walk by the river with the dog",
        "hashtags": "river;walk",
    }
    return {"event_id": f"{prefix}{i}", "table": "posts", "row": row}


def raw_rate(url: str, n: int, batch: int, prefix: str) -> float:
    """The same rows (already validated) by a plain INSERT (ON CONFLICT DO NOTHING) into the same tables with
    the same durability: no HTTP, no validation, no upsert comparison, no event ledger."""
    store = Store(url)
    ingestor = Ingestor(store)
    log = ingestor.events
    raw_platform = f"raw-{prefix}"
    prepared, rejected = log.validate([event(prefix, i) for i in range(n)], raw_platform)
    assert not rejected, rejected[:3]
    engine = durable_engine(url)
    with engine.begin() as conn:
        ingestor._add_platforms(conn, {raw_platform})
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = {}
    for name, spec in ingestor.specs.items():
        columns = ingestor._columns(spec)
        sql[name] = (
            f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({", ".join(mark for _ in columns)})'
            " ON CONFLICT DO NOTHING"
        )
    started = time.perf_counter()
    for s in range(0, n, batch):
        with engine.begin() as conn:
            for table in EXPORT_TABLES:
                rows = [p.row for p in prepared[s : s + batch] if p.table == table]
                if rows:
                    conn.exec_driver_sql(sql[table], rows)
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        for table in reversed(list(EXPORT_TABLES.values())):
            conn.execute(delete(table).where(table.c.platform == raw_platform))
    engine.dispose()
    store.close()
    return n / elapsed


class Connection:
    """A minimal keep-alive HTTP/1.1 client on asyncio streams: the load generator shares the cores with
    the service, and a general-purpose client costs several times the server's own work per request."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (
            f"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def http_rate(
    port: int,
    token: str,
    bodies: list[Any],
    clients: int,
    *,
    stop_after: float | None = None,
    acked: list[str] | None = None,
) -> tuple[float, list[str], list[float]]:
    """(acknowledged events/s, acknowledged event ids, per-request seconds to the acknowledgement);
    ``acked`` is filled as the answers arrive (a watcher may act on it)."""
    acked = [] if acked is None else acked
    latencies: list[float] = []
    todo = [json.dumps(b).encode() for b in reversed(bodies)]
    started = time.perf_counter()

    async def work() -> None:
        connection = Connection(port, token)
        try:
            while todo:
                if stop_after is not None and time.perf_counter() - started > stop_after:
                    return
                body = todo.pop()
                t0 = time.perf_counter()
                try:
                    status, answer = await connection.post(body)
                except (OSError, asyncio.IncompleteReadError, IndexError, ValueError):
                    return  # the service was killed
                latencies.append(time.perf_counter() - t0)
                if status in (200, 201):
                    items = json.loads(answer)["items"]
                    acked.extend(i["event_id"] for i in items if i["status"] == "stored")
        finally:
            connection.close()

    await asyncio.gather(*(work() for _ in range(clients)))
    return len(acked) / (time.perf_counter() - started), acked, latencies


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))] if ordered else float("nan")


@dataclass
class Run:
    rate: float
    acked: int
    p50_ms: float
    p99_ms: float

    def line(self, baseline: float) -> str:
        return (
            f"{self.rate:9,.0f}/s  x{self.rate / baseline:5.2f}  p50 {self.p50_ms:5.0f} ms  "
            f"p99 {self.p99_ms:5.0f} ms  ({self.acked:,} acked)"
        )


def stored_ids(url: str, ids: list[str]) -> set[str]:
    store = Store(url)
    found: set[str] = set()
    with store.engine.connect() as conn:
        for s in range(0, len(ids), 500):
            query = select(ingest_events.c.event_id).where(
                ingest_events.c.platform == PLATFORM, ingest_events.c.event_id.in_(ids[s : s + 500])
            )
            found.update(conn.execute(query).scalars())
    store.close()
    return found


def prepared(url: str) -> str:
    """Migrate a fresh database and give the bench platform a token."""
    store = Store(url)
    token = Auth(store.engine, SECRET).create_token(PLATFORM)
    store.close()
    return token


def load(url: str, workers: int, src: str | None, args: argparse.Namespace) -> tuple[Run, Run]:
    """(batched, single) against one service over a fresh database."""
    token = prepared(url)
    with service(url, workers, src) as (port, _):
        # Not measured: the first requests of each worker (connections, caches, the platform's first row).
        asyncio.run(http_rate(port, token, [event("hw", i) for i in range(300)], args.clients))
        batches = [
            [event("hb", i) for i in range(s, min(s + args.batch, args.events))]
            for s in range(0, args.events, args.batch)
        ]
        rate, acked, lat = asyncio.run(http_rate(port, token, batches, max(2, args.clients // 8)))
        batched = Run(rate, len(acked), quantile(lat, 0.5) * 1000, quantile(lat, 0.99) * 1000)
        singles = [event("hs", i) for i in range(args.singles)]
        rate, acked, lat = asyncio.run(http_rate(port, token, singles, args.clients))
        single = Run(rate, len(acked), quantile(lat, 0.5) * 1000, quantile(lat, 0.99) * 1000)
    return batched, single


def kill_check(url: str, workers: int, args: argparse.Namespace) -> tuple[int, int, int]:
    """(acknowledged before a SIGKILL of every service process under single-event load, of those missing
    afterwards, event ids in the ledger)."""
    token = prepared(url)
    with service(url, workers) as (port, proc):
        doomed = [event("hk", i) for i in range(100_000)]

        async def run_and_kill() -> tuple[float, list[str], list[float]]:
            so_far: list[str] = []

            async def kill_under_load() -> None:  # once the service is busy, whatever the machine's speed
                while len(so_far) < 500:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.5)
                os.killpg(proc.pid, signal.SIGKILL)

            killer = asyncio.create_task(kill_under_load())
            try:
                return await http_rate(port, token, doomed, args.clients, stop_after=120, acked=so_far)
            finally:
                killer.cancel()

        _, acked, _ = asyncio.run(run_and_kill())
        proc.wait(timeout=30)
    lost = len(set(acked) - stored_ids(url, acked))
    store = Store(url)
    with store.engine.connect() as conn:
        ledger = conn.execute(select(func.count()).select_from(ingest_events)).scalar_one()
    store.close()
    return len(acked), lost, ledger


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--events", type=int, default=20_000, help="events sent in batches")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--singles", type=int, default=3_000, help="events sent one per request")
    ap.add_argument("--clients", type=int, default=32, help="requests in flight")
    ap.add_argument("--pg", default=PG, help="PostgreSQL server URL for fresh databases ('none': skip)")
    ap.add_argument("--before-src", default=None, help="also measure the service of this source tree")
    ap.add_argument("--workers", default="1,2", help="worker processes to measure, e.g. 1,2")
    args = ap.parse_args()
    kinds = ["sqlite"] + ([] if args.pg in (None, "", "none") else ["postgresql"])
    counts = [int(w) for w in args.workers.split(",")]
    print(
        f"{args.events:,} events in batches of {args.batch}, {args.singles:,} single-event requests, "
        f"{args.clients} in flight; baseline: plain INSERT of the same rows, same database, same run"
    )
    verdicts: list[str] = []
    for kind in kinds:
        with fresh_database(kind, args.pg) as url:
            prepared(url)
            raw_batch = raw_rate(url, args.events, args.batch, "rb")
            raw_single = raw_rate(url, min(args.singles, 2_000), 1, "rs")
        variants: list[tuple[str, int, str | None]] = []
        if args.before_src:
            variants.append(("before (--before-src), 1 worker", 1, args.before_src))
        variants += [(f"this tree, {w} worker{'s' if w > 1 else ''}", w, None) for w in counts]
        results: list[tuple[str, Run, Run]] = []
        for name, workers, src in variants:
            with fresh_database(kind, args.pg) as url:
                results.append((name, *load(url, workers, src, args)))
        kills = []
        for workers in counts:
            with fresh_database(kind, args.pg) as url:
                kills.append((workers, *kill_check(url, workers, args)))
        print(f"\n== {kind} ==")
        print(f"baseline plain INSERT, {args.batch}/commit : {raw_batch:9,.0f} rows/s")
        print(f"baseline plain INSERT, 1/commit   : {raw_single:9,.0f} rows/s")
        for name, batched, single in results:
            print(f"{name:34}: batched {batched.line(raw_batch)}")
            print(f"{'':34}  single  {single.line(raw_single)}")
        if args.before_src:
            before = results[0]
            for name, batched, single in results[1:]:
                print(
                    f"{name:34}: x{batched.rate / before[1].rate:.2f} batched, "
                    f"x{single.rate / before[2].rate:.2f} single events/s against before"
                )
        for workers, acked, lost, ledger in kills:
            print(
                f"SIGKILL, {workers} worker(s)            : {acked:,} acknowledged before the kill, "
                f"{lost} lost (ledger {ledger:,})"
            )
        for name, batched, single in results:
            if name.startswith("before"):
                continue
            verdicts.append(
                f"{kind}, {name}: batched >= 5,000/s {_met(batched.rate >= 5000)}; single >= 1,000/s "
                f"{_met(single.rate >= 1000)}; p99 < 200 ms: single {_met(single.p99_ms < 200)}, "
                f"batched {_met(batched.p99_ms < 200)} (a batch's p99 is about the events in flight over "
                "the rate)"
            )
        verdicts.append(f"{kind}: 0 lost under SIGKILL {_met(all(k[2] == 0 for k in kills))}")
    print("\ntargets:")
    for verdict in verdicts:
        print("  " + verdict)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
