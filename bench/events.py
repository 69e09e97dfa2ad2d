"""The live event API (``POST /v1/events``): events/s acknowledged in batches and as single-event requests,
p99 time to acknowledged-and-stored, next to a plain INSERT of the same rows into the same database with the
same durability measured in the same run, then a SIGKILL of the service under load (no acknowledged event
may be missing afterwards).

    .venv/bin/python bench/events.py [--events 50000] [--batch 500] [--singles 5000] [--clients 32] [--db URL]

The service runs as a ``bastion serve`` subprocess (uvicorn, one worker) on localhost; the client is this
process (asyncio, ``--clients`` requests in flight), on the same cores. Targets (issue 17): >= 5,000 events/s
in batches, >= 1,000/s single, p99 to stored < 200 ms, 0 lost under SIGKILL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import delete, func, select

from bastion.ingest import Ingestor
from bastion.ingest.events import durable_engine
from bastion.review.auth import Auth
from bastion.store import Store
from bastion.store.tables import EXPORT_TABLES
from bastion.store.tables_events import ingest_events

SECRET = "bench-secret-0123456789abcdef"
PLATFORM = "benchplatform"
LAUNCH = (
    "import typer; from bastion.cli import review_cmd; app = typer.Typer(); review_cmd.register(app); app()"
)
T = "2026-03-01T12:00:00Z"


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


@contextmanager
def service(url: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = os.environ | {"BASTION_ENV": "development", "BASTION_SECRET_KEY": SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "serve", "--port", str(port), "--db", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


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
    port: int, token: str, bodies: list[Any], clients: int, *, stop_after: float | None = None
) -> tuple[float, list[str], list[float]]:
    """(acknowledged events/s, acknowledged event ids, per-request seconds to the acknowledgement)."""
    acked: list[str] = []
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


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000, help="events sent in batches")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--singles", type=int, default=5_000, help="events sent one per request")
    ap.add_argument("--clients", type=int, default=32, help="requests in flight")
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='bastion-bench-')}/bench.db"
    store = Store(url)
    token = Auth(store.engine, SECRET).create_token(PLATFORM)
    print(
        f"database: {store.dialect}; {args.events:,} events in batches of {args.batch}, {args.singles:,} "
        f"single-event requests, {args.clients} in flight"
    )
    raw_batch = raw_rate(url, args.events, args.batch, "rb")
    raw_single = raw_rate(url, min(args.singles, 2_000), 1, "rs")
    with service(url) as (port, _):
        batches = [
            [event("hb", i) for i in range(s, min(s + args.batch, args.events))]
            for s in range(0, args.events, args.batch)
        ]
        api_batch, n_batch, lat_batch = asyncio.run(
            http_rate(port, token, batches, max(2, args.clients // 8))
        )
        singles = [event("hs", i) for i in range(args.singles)]
        api_single, n_single, lat_single = asyncio.run(http_rate(port, token, singles, args.clients))
    with service(url) as (port, proc):  # SIGKILL under load: every acknowledged event must be stored
        doomed = [event("hk", i) for i in range(100_000)]

        async def run_and_kill() -> tuple[float, list[str], list[float]]:
            asyncio.get_running_loop().call_later(1.5, os.kill, proc.pid, signal.SIGKILL)
            return await http_rate(port, token, doomed, args.clients, stop_after=60)

        _, acked_before_kill, _ = asyncio.run(run_and_kill())
        proc.wait(timeout=30)
    lost = len(set(acked_before_kill) - stored_ids(url, acked_before_kill))
    with store.engine.connect() as conn:
        ledger = conn.execute(select(func.count()).select_from(ingest_events)).scalar_one()
    store.close()
    print(f"plain INSERT, {args.batch}/commit      : {raw_batch:10,.0f} rows/s")
    print(f"plain INSERT, 1/commit        : {raw_single:10,.0f} rows/s")
    print(
        f"API batches ({args.batch}/request)    : {api_batch:10,.0f} events/s acknowledged "
        f"({len(n_batch):,}); ratio to plain INSERT {api_batch / raw_batch:.2f}; "
        f"p99 request->stored {p99(lat_batch) * 1000:.0f} ms"
    )
    print(
        f"API single (1/request)        : {api_single:10,.0f} events/s acknowledged ({len(n_single):,}); "
        f"ratio to plain INSERT 1/commit {api_single / raw_single:.2f}; "
        f"p99 request->stored {p99(lat_single) * 1000:.0f} ms"
    )
    print(
        f"SIGKILL under load            : {len(acked_before_kill):,} acknowledged before the kill, "
        f"{lost} lost"
    )
    print(f"ledger holds                  : {ledger:,} event ids")
    print(
        f"targets: batched >= 5,000/s {'met' if api_batch >= 5000 else 'NOT met'}; single >= 1,000/s "
        f"{'met' if api_single >= 1000 else 'NOT met'}; p99 < 200 ms "
        f"{'met' if p99(lat_single) < 0.2 else 'NOT met'}; 0 lost {'met' if lost == 0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
