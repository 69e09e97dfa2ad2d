"""Intake throughput through the HTTP API with durable commits, next to the raw insert rate of the same
database measured in the same run, and the p99 time from acknowledgement to being in a queue.

    .venv/bin/python bench/intake.py [--reports 20000] [--batch 100] [--singles 2000] [--clients 8] [--db URL]

The service runs as a ``bastion serve`` subprocess (``_service.py``) on localhost; the client is this process.
Targets: >= 1,000 acknowledged reports/s on SQLite, p99 acknowledgement-to-queue < 1 s.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select

from _service import SECRET, service
from bastion.review.auth import Auth
from bastion.review.intake import durable_engine
from bastion.store import Store
from bastion.store.tables import platforms, reports
from bastion.store.tables_review import joins_case_reports, review_case_reports, review_intake


def item(prefix: str, i: int) -> dict[str, Any]:
    return {
        "report_id": f"{prefix}{i:08d}",
        "reporter_id": f"u{i % 997}",
        "target_type": "account",
        "target_id": f"a{i % 5_003}",
        "reason": "child_safety" if i % 7 == 0 else "spam",
        "created_at": "2024-03-01T12:00:00Z",
    }


def raw_rate(url: str, n: int, batch: int, prefix: str) -> float:
    """The same rows straight into the same database with the same durability, no HTTP, no validation."""
    engine = durable_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(platforms).prefix_with("OR IGNORE")
            if engine.dialect.name == "sqlite"
            else insert(platforms),
            [{"name": f"raw-{prefix}", "first_seen_at": now}],
        )
    rows = [item(prefix, i) | {"platform": f"raw-{prefix}", "created_at": now} for i in range(n)]
    started = time.perf_counter()
    for start in range(0, n, batch):
        with engine.begin() as conn:
            conn.execute(insert(reports), rows[start : start + batch])
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:  # out of the way of triage, which would otherwise queue them too
        conn.execute(delete(reports).where(reports.c.platform == f"raw-{prefix}"))
    engine.dispose()
    return n / elapsed


def http_rate(port: int, token: str, bodies: list[Any], clients: int) -> tuple[float, int]:
    acked = 0
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def work() -> None:
        nonlocal acked
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                answer = http.post("/v1/reports", json=body)
                if answer.status_code in (200, 201):
                    with lock:
                        acked += answer.json()["stored"]

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acked / (time.perf_counter() - started), acked


def queue_p99(store: Store, timeout: float = 120) -> tuple[float, int]:
    """Wait until every API report is in a case, then the p99 of (queued at - received at)."""
    joined = review_intake.join(
        review_case_reports,
        joins_case_reports(review_intake),
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.engine.connect() as conn:
            waiting = conn.execute(
                select(func.count())
                .select_from(
                    review_intake.outerjoin(
                        review_case_reports,
                        joins_case_reports(review_intake),
                    )
                )
                .where(review_case_reports.c.case_id.is_(None))
            ).scalar_one()
        if not waiting:
            break
        time.sleep(0.2)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(review_intake.c.received_at, review_case_reports.c.added_at)
            .select_from(joined)
            .where(review_intake.c.source == "api")
        ).all()
    delays = sorted((r.added_at - r.received_at).total_seconds() for r in rows)
    return (delays[int(0.99 * (len(delays) - 1))] if delays else float("nan")), int(waiting)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=20_000, help="reports sent in batches")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--singles", type=int, default=2_000, help="reports sent one per request")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='bastion-bench-')}/bench.db"
    store = Store(url)
    token = Auth(store.engine, SECRET).create_token("benchplatform")
    print(
        f"database: {store.dialect}; {args.reports:,} batched (x{args.batch}), {args.singles:,} single, "
        f"{args.clients} client threads"
    )
    raw_batch = raw_rate(url, args.reports, args.batch, "b")
    raw_single = raw_rate(url, min(args.singles, 2_000), 1, "s")
    with service(url) as (port, _):
        batches = [
            [item("hb", i) for i in range(s, min(s + args.batch, args.reports))]
            for s in range(0, args.reports, args.batch)
        ]
        api_batch, n_batch = http_rate(port, token, batches, args.clients)
        api_single, n_single = http_rate(
            port, token, [item("hs", i) for i in range(args.singles)], args.clients
        )
        p99, waiting = queue_p99(store)
    print(f"raw insert, {args.batch}/commit : {raw_batch:10,.0f} rows/s")
    print(f"raw insert, 1/commit   : {raw_single:10,.0f} rows/s")
    print(
        f"API batch ({args.batch}/request): {api_batch:10,.0f} reports/s acknowledged "
        f"({n_batch:,}); ratio to raw {api_batch / raw_batch:.2f}"
    )
    print(
        f"API single (1/request) : {api_single:10,.0f} reports/s acknowledged "
        f"({n_single:,}); ratio to raw {api_single / raw_single:.2f}"
    )
    print(f"ack -> queue p99       : {p99:10.3f} s ({waiting} still waiting)")
    sqlite = store.dialect == "sqlite"
    best = max(api_batch, api_single)
    print(
        f"target >= 1,000 reports/s on SQLite: {'met' if best >= 1000 else 'NOT met'} "
        f"(batch {api_batch:,.0f}, single {api_single:,.0f})" + ("" if sqlite else " [not SQLite]")
    )
    print(f"target p99 < 1 s: {'met' if p99 < 1.0 and not waiting else 'NOT met'}")
    store.close()


if __name__ == "__main__":
    main()
