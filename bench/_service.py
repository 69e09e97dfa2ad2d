"""A Bastion service under benchmark: ``bastion serve`` in a subprocess of its own process group (so a SIGKILL
reaches every worker) over a fresh database, for the HTTP benchmarks (bench/events.py, bench/intake.py)."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import create_engine, make_url

from bastion.store.engine import normalise_url

SECRET = "bench-secret-0123456789abcdef"
LAUNCH = (
    "import typer; from bastion.cli import review_cmd; app = typer.Typer(); review_cmd.register(app); app()"
)
_SERIAL = itertools.count()
FACTORY = (
    "import sys, uvicorn; uvicorn.run('bastion.api.service:create_app', factory=True, host='127.0.0.1', "
    "port=int(sys.argv[1]), workers=int(sys.argv[2]), log_level='warning')"
)


@contextmanager
def service(
    url: str, workers: int = 1, src: str | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``bastion serve --workers`` (or, for an older ``src``, uvicorn over its app factory), in its own
    process group (a SIGKILL then reaches every worker); ``src`` runs another source tree's service."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = os.environ | {"BASTION_ENV": "development", "BASTION_SECRET_KEY": SECRET}
    env["BASTION_DATABASE_URL"] = url
    if src is not None:
        env["PYTHONPATH"] = src
    if src is None:  # this tree: the production path, background jobs on one elected leader
        argv = [sys.executable, "-c", LAUNCH, "serve", "--port", str(port), "--workers", str(workers)]
        argv += ["--db", url]
    elif workers == 1:
        argv = [sys.executable, "-c", LAUNCH, "serve", "--port", str(port), "--db", url]
    else:  # an older tree without ``serve --workers``
        argv = [sys.executable, "-c", FACTORY, str(port), str(workers)]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield port, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


@contextmanager
def fresh_database(kind: str, pg: str | None) -> Iterator[str]:
    """A new empty database: a SQLite file in a temporary folder, or a PostgreSQL database made (and
    dropped afterwards) through ``pg``'s server."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bastion-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    assert pg is not None
    name = f"bastion_bench_{os.getpid()}_{next(_SERIAL)}"
    admin = make_url(normalise_url(pg))
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()
