"""SIGKILL the service in the middle of a stream of reports: every acknowledged report is there after the
restart, exactly once, and reaches a queue."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import func, select

from bastion.review.auth import Auth
from bastion.store import Store
from bastion.store.tables import reports
from bastion.store.tables_review import review_case_reports
from review.support import PLATFORM, report

SECRET = "fault-test-secret-0123456789"
LAUNCH = (
    "import typer; from bastion.cli import review_cmd; app = typer.Typer(); review_cmd.register(app); app()"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(db_url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = os.environ | {
        "BASTION_ENV": "development",
        "BASTION_SECRET_KEY": SECRET,
        "BASTION_TRIAGE_INTERVAL_SECONDS": "0.1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db_url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server died"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_sigkill_mid_stream_loses_no_acknowledged_report(db_url: str) -> None:
    with Store(db_url) as store:
        token = Auth(store.engine, SECRET).create_token(PLATFORM)
    headers = {"Authorization": f"Bearer {token}"}
    port = _free_port()
    acked: list[str] = []
    lock = threading.Lock()

    def stream(worker: int, http: httpx.Client) -> None:
        for i in range(2_000):
            rid = f"f{worker}-{i:05d}"
            try:
                answer = http.post("/v1/reports", json=report(rid, f"t{i % 17}"), timeout=5)
            except httpx.HTTPError:
                return
            if answer.status_code in (200, 201):
                with lock:
                    acked.append(rid)

    with (
        serve(db_url, port) as proc,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http,
    ):
        workers = [threading.Thread(target=stream, args=(w, http)) for w in range(4)]
        for t in workers:
            t.start()
        deadline = time.monotonic() + 60
        while len(acked) < 150 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)  # while four clients have requests in flight
        for t in workers:
            t.join()
    assert len(acked) >= 150
    port = _free_port()
    with serve(db_url, port), httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
        retry = http.post("/v1/reports", json=[report(rid, "t0") for rid in acked])
        assert retry.json()["duplicate"] == len(acked)  # all there already, none stored again
        deadline = time.monotonic() + 30
        with Store(db_url) as store, store.engine.connect() as conn:
            while True:
                stored = (
                    conn.execute(select(reports.c.report_id).where(reports.c.platform == PLATFORM))
                    .scalars()
                    .all()
                )
                queued = conn.execute(
                    select(func.count())
                    .select_from(review_case_reports)
                    .where(review_case_reports.c.platform == PLATFORM)
                ).scalar_one()
                if queued == len(stored) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
                conn.rollback()
    assert set(acked) <= set(stored) and len(stored) == len(set(stored))
    assert queued == len(stored)
