"""The background schedule: every installed capability's :class:`~bastion.core.capability.Job`, run by the
elected leader only.

Each worker process of ``bastion serve`` starts a :class:`Scheduler`; one thread per job wakes on the job's
period and runs it only while this process leads (:mod:`bastion.system.leader`); a poll thread re-confirms
the lead every few seconds, so when the leader dies another worker picks the jobs up within that poll.
A failing pass is logged and counted and never ends the schedule: the next period tries again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bastion.core.capability import Job
from bastion.core.errors import ConfigError, NotFound
from bastion.system.bastion import Bastion
from bastion.system.leader import Leader, leader_for

log = logging.getLogger("bastion.jobs")


@dataclass
class JobState:
    """What an operator asks of a job: when it last ran, and whether that pass failed."""

    name: str
    every: float
    runs: int = 0
    failures: int = 0
    last_started: float | None = None  # time.time()
    last_error: str | None = None


class Scheduler:
    """Runs ``jobs`` (default: every installed capability's, in pipeline order) while leading."""

    def __init__(
        self,
        bastion: Bastion,
        *,
        leader: Leader | None = None,
        jobs: Sequence[Job] | None = None,
        poll_seconds: float = 5.0,
    ) -> None:
        self.bastion = bastion
        self.leader = leader or leader_for(bastion.store.url)
        self.jobs = list(jobs) if jobs is not None else declared_jobs(bastion)
        self.poll_seconds = poll_seconds
        self.states = {j.name: JobState(j.name, j.every(bastion)) for j in self.jobs}
        self._leading = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def leading(self) -> bool:
        return self._leading.is_set()

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        self._elect()  # before the job threads, so a sole worker runs its first passes at once
        self._threads = [threading.Thread(target=self._poll, name="bastion-leader", daemon=True)]
        self._threads += [
            threading.Thread(target=self._loop, args=(job,), name=f"bastion-job-{job.name}", daemon=True)
            for job in self.jobs
        ]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)
        self._threads = []
        self._leading.clear()
        self.leader.release()

    def run_once(self, name: str) -> JobState:
        """One pass of a job now, in this thread, leader or not (the ``bastion jobs --run`` path)."""
        job = next((j for j in self.jobs if j.name == name), None)
        if job is None:
            known = ", ".join(j.name for j in self.jobs)
            raise NotFound(f"no job {name!r}; the jobs here: {known}")
        self._pass(job)
        return self.states[name]

    # -- threads -------------------------------------------------------------------------------------
    def _elect(self) -> None:
        try:
            leads = self.leader.acquire()
        except Exception:  # an election that cannot be held means not leading, never two leaders
            log.exception("leader election failed")
            leads = False
        if leads and not self._leading.is_set():
            log.info("this process leads: running %d background job(s)", len(self.jobs))
            self._leading.set()
        elif not leads and self._leading.is_set():
            log.warning("this process no longer leads: background jobs paused here")
            self._leading.clear()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            self._elect()

    def _loop(self, job: Job) -> None:
        while not self._stop.is_set():
            if self._leading.is_set():
                self._pass(job)
                self._stop.wait(self.states[job.name].every)
            else:
                self._stop.wait(min(self.poll_seconds, self.states[job.name].every))

    def _pass(self, job: Job) -> None:
        state = self.states[job.name]
        state.last_started = time.time()
        state.runs += 1
        try:
            job.run(self.bastion)
            state.last_error = None
        except Exception as exc:  # a failed pass is logged; the next period runs again
            state.failures += 1
            state.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", job.name)


def declared_jobs(bastion: Bastion) -> list[Job]:
    """Every installed capability's jobs, in pipeline order; two jobs of one name are a packaging error."""
    jobs = [job for cap in bastion.installed.capabilities for job in cap.jobs]
    names = [j.name for j in jobs]
    if len(names) != len(set(names)):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"jobs declared twice: {twice}")
    return jobs
