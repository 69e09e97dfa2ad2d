"""Background jobs run exactly once across workers: one elected leader runs them, another takes over when
it goes, and a failing pass never ends the schedule."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bastion.cli.main import app as cli
from bastion.core.capability import Job
from bastion.core.errors import NotFound
from bastion.store import Store
from bastion.system import Bastion, Scheduler, declared_jobs
from bastion.system.leader import FileLeader, Leader, PostgresLeader, leader_for
from support.waiting import until

PG_URL = os.environ.get("BASTION_TEST_DATABASE_URL")


def _leaders(db_url: str) -> tuple[Leader, Leader]:
    """Two contenders; on PostgreSQL under a key of this test's own, so a service another test left running
    on the same database cannot hold it."""
    if db_url.startswith("postgresql"):
        key = random.getrandbits(48)
        return PostgresLeader(db_url, key), PostgresLeader(db_url, key)
    return leader_for(db_url), leader_for(db_url)


def test_one_leader_at_a_time_and_the_next_takes_over(db_url: str) -> None:
    first, second = _leaders(db_url)
    try:
        assert first.acquire() and first.acquire()  # re-confirming keeps it
        assert not second.acquire()
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CI always has it; conftest refuses CI without)")
def test_a_postgres_leader_whose_connection_dies_is_replaced(pg_database: str) -> None:
    db_url = pg_database
    first, second = _leaders(db_url)
    assert isinstance(first, PostgresLeader)
    admin = create_engine(Store(db_url).url)
    try:
        assert first.acquire()
        with admin.begin() as conn:  # what a crashed process or a cut network does to its session
            killed = conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND (classid::bigint << 32 | objid::bigint) = :k "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"k": first.key},
            ).all()
        assert killed == [(True,)]
        until(second.acquire)
        assert not first.acquire()  # it notices the loss instead of believing it still leads
    finally:
        first.release()
        second.release()
        admin.dispose()


def _recording(ran: list[str], who: str) -> Job:
    return Job("record", lambda b: ran.append(who), lambda b: 0.01)


def test_only_the_leader_runs_jobs_and_a_failure_does_not_stop_them(store: Store, tmp_path: Path) -> None:
    ran: list[str] = []
    path = tmp_path / "jobs.leader"
    boom = Job("boom", lambda b: 1 / 0, lambda b: 0.01)
    with Bastion(store=store) as b:
        a = Scheduler(b, leader=FileLeader(path), jobs=[_recording(ran, "a"), boom], poll_seconds=0.02)
        z = Scheduler(b, leader=FileLeader(path), jobs=[_recording(ran, "z")], poll_seconds=0.02)
        a.start()
        z.start()
        try:
            until(lambda: ran.count("a") >= 5 and a.states["boom"].failures >= 3)
            assert a.leading and not z.leading and "z" not in ran
            assert a.states["boom"].last_error == "ZeroDivisionError: division by zero"
            a.stop()  # the leader goes: the other worker picks the jobs up within a poll
            until(lambda: "z" in ran)
            assert z.leading
        finally:
            a.stop()
            z.stop()


def test_every_capability_declares_uniquely_named_jobs(store: Store) -> None:
    with Bastion(store=store) as b:
        names = [j.name for j in declared_jobs(b)]
        assert {"triage", "pipeline-monitor", "followthrough-recheck", "webhook-delivery"} <= set(names)
        assert {"exchange-sync", "flood-sweep", "preservation-purge"} <= set(names)
        assert all(j.every(b) > 0 for j in declared_jobs(b))
        with pytest.raises(NotFound, match="no job 'nope'"):
            Scheduler(b, leader=FileLeader(Path(os.devnull))).run_once("nope")


def test_the_jobs_command_lists_and_runs_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ENV", "development")
    db = f"sqlite:///{tmp_path / 'b.db'}"
    runner = CliRunner()
    listed = runner.invoke(cli, ["jobs", "--db", db])
    assert listed.exit_code == 0, listed.output
    assert "triage" in listed.output and "exchange-sync" in listed.output
    ran = runner.invoke(cli, ["jobs", "--run", "triage", "--run", "followthrough-recheck", "--db", db])
    assert ran.exit_code == 0, ran.output
    assert "triage: done" in ran.output and "followthrough-recheck: done" in ran.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_with_two_workers_elects_one_leader_and_replaces_a_killed_one(tmp_path: Path) -> None:
    """A real ``bastion serve --workers 2``: one worker holds the lead (its pid in the lock file), SIGKILL
    it, and the surviving or restarted worker leads and keeps the pipeline healthy."""
    db = tmp_path / "serve.db"
    lockfile = Path(f"{db}.leader")
    port = _free_port()
    env = os.environ | {"BASTION_ENV": "development", "BASTION_SECRET_KEY": "jobs-test-secret-0123456789"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bastion.cli.main", "serve", "--workers", "2", "--port", str(port),
         "--db", f"sqlite:///{db}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:

        def healthy() -> bool:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "serve died"
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        def leader_pid() -> int:
            text_ = lockfile.read_text().strip() if lockfile.exists() else ""
            return int(text_) if text_ else 0

        until(healthy, 90)
        until(lambda: leader_pid() > 0)
        first = leader_pid()
        assert first != proc.pid  # a worker leads, not the supervisor
        os.kill(first, signal.SIGKILL)
        until(lambda: leader_pid() not in (0, first) and _alive(leader_pid()), 60)
        until(healthy, 60)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
