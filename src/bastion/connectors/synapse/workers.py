"""The connector's background work, each a thread that outlives a Bastion outage:

- :class:`Forwarder` sends queued events to ``POST /v1/events`` and reports to ``POST /v1/reports``; an item
  leaves the outbox only once Bastion acknowledged it, and retries back off up to ``MAX_BACKOFF`` seconds.
  Bastion is idempotent by event id and report id, so a resend after a crash stores nothing twice.
- :class:`ReportPoller` reads Synapse's event reports with a checkpoint (the highest report id queued) and
  queues each new one as a Bastion report in the same commit that moves the checkpoint.
- :class:`ActionRunner` pulls Bastion's action feed (``GET /v1/actions``) and enforces each action through
  Synapse's admin API (:mod:`.enforcement`); the cursor moves only past actions that are done or refused
  for good.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from bastion.connectors.synapse.admin import NotReady, SynapseAdmin
from bastion.connectors.synapse.client import BastionClient, Unreachable
from bastion.connectors.synapse.enforcement import Enforcer, Pending
from bastion.connectors.synapse.outbox import Outbox

log = logging.getLogger("bastion.connectors.synapse")
MAX_BACKOFF = 30.0
REPORT_CHECKPOINT = "event_reports.last_id"
ACTION_CURSOR = "actions.cursor"


class Worker:
    """A daemon thread calling ``step`` every ``every`` seconds; ``step`` returning False backs off."""

    name = "bastion-worker"

    def __init__(self, every: float) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> bool:
        raise NotImplementedError

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        wait = self.every
        while not self._stop.wait(wait):
            try:
                ok = self.step()
            except NotReady:
                ok = True  # not configured yet: look again at the normal pace
            except Pending as exc:  # a Synapse task still running: not a failure, look again soon
                log.info("bastion: %s", exc)
                ok = False
            except Exception:  # a bug or an outage must not end the thread: log and back off
                log.exception("bastion: %s step failed", self.name)
                ok = False
            wait = self.every if ok else min(max(wait * 2, 0.5), MAX_BACKOFF)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


class Forwarder(Worker):
    name = "bastion-forwarder"

    def __init__(
        self, outbox: Outbox, client: BastionClient, *, batch: int = 500, every: float = 0.2
    ) -> None:
        super().__init__(every)
        self.outbox = outbox
        self.client = client
        self.batch = batch

    def step(self) -> bool:
        """Send what waits; True when everything sent was acknowledged (or nothing waited)."""
        for kind, send, key_name in (
            ("event", self.client.post_events, "event_id"),
            ("report", self.client.post_reports, "report_id"),
        ):
            while True:
                items = self.outbox.take(kind, self.batch)
                if not items:
                    break
                try:
                    acks = send([payload for _, _, payload in items])
                except Unreachable as exc:
                    log.warning("bastion: %d %s(s) wait in the outbox: %s", self.outbox.waiting(), kind, exc)
                    return False
                self._settle(items, acks, key_name)
                if len(items) < self.batch:
                    break
        return True

    def _settle(
        self, items: list[tuple[int, str, dict[str, Any]]], acks: list[dict[str, Any]], key_name: str
    ) -> None:
        by_index = {a.get("index"): a for a in acks}
        done: list[int] = []
        dead: dict[int, str] = {}
        for i, (item_id, _key, _payload) in enumerate(items):
            ack = by_index.get(i)
            if ack is None:
                continue  # not answered: stays queued
            done.append(item_id)
            if ack.get("status") == "rejected":
                dead[item_id] = f"{ack.get('field')}: {ack.get('message') or ack.get('error')}"
                log.warning("bastion: %s rejected: %s", _key, dead[item_id])
        self.outbox.done(done, dead)


def report_from(report: dict[str, Any]) -> dict[str, Any]:
    """A Synapse event report as a Bastion report about the reported event (its sender in ``extra``)."""
    received = datetime.fromtimestamp(int(report.get("received_ts", 0)) / 1000, UTC)
    reason = str(report.get("reason") or "")
    extra = {k: report[k] for k in ("room_id", "sender", "score", "event_id") if report.get(k) is not None}
    return {
        "report_id": f"matrix-report-{report['id']}",
        "reporter_id": str(report.get("user_id") or "unknown"),
        "target_type": "post",
        "target_id": str(report["event_id"]),
        "reason": "user_report",
        "created_at": received.isoformat().replace("+00:00", "Z"),
        "text": reason[:10_000] or None,
        "extra": extra,
    }


class ReportPoller(Worker):
    name = "bastion-report-poller"

    def __init__(self, outbox: Outbox, admin: SynapseAdmin, *, every: float = 1.0, page: int = 100) -> None:
        super().__init__(every)
        self.outbox = outbox
        self.admin = admin
        self.page = page

    def step(self) -> bool:
        last = int(self.outbox.get_state(REPORT_CHECKPOINT, "0"))
        fresh: list[dict[str, Any]] = []
        start = 0
        while True:  # newest first, until the checkpoint is reached
            page = self.admin.event_reports(start=start, limit=self.page)
            newer = [r for r in page if int(r["id"]) > last]
            fresh.extend(newer)
            if len(newer) < len(page) or len(page) < self.page:
                break
            start += len(page)
        if not fresh:
            return True
        fresh.sort(key=lambda r: int(r["id"]))
        items = [(f"matrix-report-{r['id']}", report_from(r)) for r in fresh]
        self.outbox.put_many("report", items, state=(REPORT_CHECKPOINT, str(int(fresh[-1]["id"]))))
        return True


class ActionRunner(Worker):
    """Enforces Bastion's decided actions on the homeserver."""

    name = "bastion-actions"

    def __init__(
        self,
        outbox: Outbox,
        client: BastionClient,
        admin: SynapseAdmin,
        *,
        every: float = 2.0,
    ) -> None:
        super().__init__(every)
        self.outbox = outbox
        self.client = client
        self.admin = admin
        self.enforcer = Enforcer(outbox, admin)

    def step(self) -> bool:
        cursor = int(self.outbox.get_state(ACTION_CURSOR, "0"))
        try:
            events, _next = self.client.pull_actions(cursor)
        except Unreachable as exc:
            log.warning("bastion: action feed unreachable: %s", exc)
            return False
        for event in events:
            self.enforce(event)  # raises on a retryable failure: the cursor stays before this event
            self.outbox.set_state(ACTION_CURSOR, str(event["event_id"]))
        return True

    def enforce(self, event: dict[str, Any]) -> None:
        """One action event, through :class:`~bastion.connectors.synapse.enforcement.Enforcer`."""
        self.enforcer.enforce(event)
