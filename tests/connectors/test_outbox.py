"""The connector without Synapse: its outbox survives Bastion being down (nothing lost, nothing stored
twice), is bounded, and the report poller and action runner keep their checkpoints across failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.connectors.synapse.client import BastionClient
from bastion.connectors.synapse.outbox import Full, Outbox
from bastion.connectors.synapse.workers import ActionRunner, Forwarder, ReportPoller, report_from
from bastion.review.service import Review
from bastion.store.tables import accounts
from bastion.store.tables_events import ingest_events
from bastion.store.tables_review import review_intake
from review.support import PLATFORM


def account_event(i: int) -> dict[str, Any]:
    row = {"account_id": f"@u{i}:hs", "created_at": "2026-03-01T12:00:00Z", "username": f"u{i}"}
    return {"event_id": f"join-{i}", "table": "accounts", "row": row}


def down() -> BastionClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    return BastionClient("http://bastion", "t", http=httpx.Client(transport=httpx.MockTransport(refuse)))


def count(review: Review, table: Any) -> int:
    with review.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_events_wait_out_an_outage_and_are_stored_once(
    tmp_path: Path, client: TestClient, review: Review
) -> None:
    outbox = Outbox(tmp_path)
    for i in range(5):
        outbox.put("event", f"join-{i}", account_event(i))
    assert Forwarder(outbox, down()).step() is False
    assert outbox.waiting() == 5 and count(review, accounts) == 0
    reopened = Outbox(tmp_path)  # the homeserver restarted during the outage: the queue is on disk
    assert reopened.waiting() == 5
    up = BastionClient("", review.auth.create_token(PLATFORM), http=client)
    assert Forwarder(reopened, up, batch=2).step() is True
    assert reopened.waiting() == 0 and count(review, accounts) == 5
    reopened.put("event", "join-0", account_event(0))  # a resend after a crash between send and delete
    assert Forwarder(reopened, up).step() is True
    assert count(review, accounts) == 5 and count(review, ingest_events) == 5


def test_a_rejected_event_is_set_aside_not_retried_forever(
    tmp_path: Path, client: TestClient, review: Review
) -> None:
    outbox = Outbox(tmp_path)
    bad = account_event(1) | {"row": {"account_id": "@x:hs", "created_at": "yesterday"}}
    outbox.put("event", "bad", bad)
    outbox.put("event", "good", account_event(2))
    Forwarder(outbox, BastionClient("", review.auth.create_token(PLATFORM), http=client)).step()
    assert outbox.waiting() == 0
    assert outbox.dead() == [("event", "bad", "row.created_at: 'yesterday' is not an ISO 8601 timestamp")]


def test_the_outbox_is_bounded(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, queue_max=2)
    outbox.put("event", "a", {})
    outbox.put("event", "b", {})
    with pytest.raises(Full):
        outbox.put("event", "c", {})
    assert outbox.overflowed == 1 and outbox.waiting() == 2


class FakeAdmin:
    """Synapse's admin API as the workers see it; ``fail`` makes the next enforcement call raise."""

    def __init__(self, reports: list[dict[str, Any]], outbox: Outbox) -> None:
        self.reports = reports
        self.outbox = outbox
        self.calls: list[tuple[str, str]] = []
        self.fail = False

    def event_reports(self, *, start: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        newest_first = sorted(self.reports, key=lambda r: -int(r["id"]))
        return newest_first[start : start + limit]

    def _call(self, action: str, target: str, key: str) -> str:
        if self.outbox.audited(key) == "done":
            return "done"
        if self.fail:
            self.fail = False
            raise httpx.ConnectError("homeserver restarting")
        self.calls.append((action, target))
        self.outbox.audit(key, action, target, "done")
        return "done"

    def deactivate(self, user_id: str, *, key: str) -> str:
        return self._call("deactivate", user_id, key)

    def quarantine_user_media(self, user_id: str, *, key: str) -> str:
        return self._call("quarantine_user_media", user_id, key)


def report(i: int) -> dict[str, Any]:
    return {"id": i, "received_ts": 1_767_000_000_000 + i, "event_id": f"$e{i}", "user_id": "@bob:hs",
            "room_id": "!r:hs", "reason": "worrying", "sender": "@mallory:hs"}  # fmt: skip


def test_event_reports_are_queued_once_with_a_checkpoint(
    tmp_path: Path, client: TestClient, review: Review
) -> None:
    outbox = Outbox(tmp_path)
    admin = FakeAdmin([report(1), report(2), report(3)], outbox)
    poller = ReportPoller(outbox, admin, page=2)  # type: ignore[arg-type]
    poller.step()
    poller.step()
    assert outbox.waiting("report") == 3
    admin.reports.append(report(4))
    poller.step()
    assert outbox.waiting("report") == 4
    Forwarder(outbox, BastionClient("", review.auth.create_token(PLATFORM), http=client)).step()
    assert outbox.waiting() == 0 and count(review, review_intake) == 4
    assert report_from(report(1))["target_id"] == "$e1"


def test_an_action_is_enforced_once_even_when_a_call_fails_midway(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    admin = FakeAdmin([], outbox)
    feed = [{"event_id": 7, "event": "applied", "action": "disable_account", "account_id": "@m:hs"}]

    class Feed:
        def pull_actions(self, since: int) -> tuple[list[dict[str, Any]], int]:
            return [e for e in feed if e["event_id"] > since], 7

    runner = ActionRunner(outbox, Feed(), admin)  # type: ignore[arg-type]
    admin.quarantine_user_media("@m:hs", key="bastion-action-7:media")  # done before a crash
    admin.fail = True
    with pytest.raises(httpx.ConnectError):
        runner.step()  # deactivation failed: the cursor stays before the action
    assert outbox.get_state("actions.cursor", "0") == "0"
    runner.step()
    runner.step()
    assert admin.calls == [("quarantine_user_media", "@m:hs"), ("deactivate", "@m:hs")]
    assert outbox.get_state("actions.cursor") == "7"
