"""SQLite writers take turns across processes: a second writer waits on the lock file, not in SQLite's
sleeping busy handler, and gets in as soon as the first is done."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from pathlib import Path

from bastion.store.writelock import WriteLock, write_lock

HOLDER = """
import sys
from bastion.store.writelock import write_lock
with write_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_writer_in_another_process_waits_for_the_turn_and_gets_it_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bastion.db'}"
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "held"
        entered: list[float] = []

        def writer() -> None:
            with write_lock(url):
                entered.append(time.monotonic())

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(0.3)
        assert not entered  # the other process holds the turn
        released = time.monotonic()
        other.stdin.write("\n")
        other.stdin.flush()
        t.join(10)
        assert entered and entered[0] - released < 0.25  # woken by the release, not by polling
    finally:
        other.kill()
        other.wait(10)
    assert (tmp_path / "bastion.db.write").exists()


def test_threads_of_one_process_take_turns_and_postgresql_needs_no_lock(tmp_path: Path) -> None:
    lock = write_lock(f"sqlite:///{tmp_path / 'b.db'}")
    assert isinstance(lock, WriteLock)
    inside = 0
    most = 0

    def writer() -> None:
        nonlocal inside, most
        for _ in range(50):
            with lock:
                inside += 1
                most = max(most, inside)
                time.sleep(0.0005)
                inside -= 1

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most == 1
    assert isinstance(write_lock("postgresql://u@127.0.0.1/db"), nullcontext)
    with write_lock("sqlite://"):  # in memory: turns within the process only
        pass
