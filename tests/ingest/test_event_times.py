"""A live event or a report dated ahead of this server's clock is refused, naming the field: detection reads
"dated after a reviewer's verdict" as new evidence, so a time in the future would reopen a clearance the
moment it was given (an outside check's report, dated twenty minutes ahead, did)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bastion.core.timefmt import CLOCK_SKEW, iso, utcnow
from bastion.ingest import Ingestor
from bastion.ingest.events import EventLog
from bastion.review.intake import ReportIn, store_reports
from bastion.store import Store
from bastion.store.tables import reports
from support.events import event, send


@pytest.fixture
def log(store: Store) -> Iterator[EventLog]:
    events = EventLog(Ingestor(store))
    yield events
    events.close()


def _follow(event_id: str, at: str) -> dict[str, object]:
    row = {"follower_id": "a1", "followee_id": f"b-{event_id}", "created_at": at}
    return {"event_id": event_id, "table": "follows", "row": row}


def test_an_event_dated_ahead_of_the_clock_is_refused_and_the_others_kept(log: EventLog) -> None:
    now = utcnow()
    ahead, skewed = iso(now + timedelta(minutes=20)), iso(now + CLOCK_SKEW / 2)
    prepared, rejected = log.validate(
        [_follow("e1", ahead), _follow("e2", skewed), _follow("e3", iso(now))], "p"
    )
    assert [p.event_id for p in prepared] == ["e2", "e3"]  # a clock a little fast is no fault
    [refused] = rejected
    assert (refused.index, refused.field) == (0, "row.created_at")
    assert "is in the future (more than 5 minutes ahead of this server's clock)" in str(refused.message)


def test_a_report_dated_ahead_of_the_clock_is_refused() -> None:
    row = {"reporter_id": "r1", "target_type": "account", "target_id": "a1", "reason": "child_safety"}
    later = utcnow() + timedelta(hours=1)
    with pytest.raises(ValidationError, match="is in the future") as raised:
        ReportIn.model_validate(row | {"created_at": later.isoformat()})
    assert raised.value.errors()[0]["loc"] == ("created_at",)
    assert ReportIn.model_validate(row | {"created_at": utcnow().isoformat()}).created_at is not None


def test_a_report_keeps_when_bastion_first_stored_it_whichever_way_it_came(
    store: Store, tmp_path: Path
) -> None:
    """``reports.received_at``: what a reviewer's verdict could have seen (``clearances_read``). An export,
    a live event and the report API each stamp it once; a report delivered again keeps its first time,
    whatever its own date says."""
    filed = iso(utcnow() - timedelta(days=3))
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "platform.json").write_text(json.dumps({"platform": "p"}), encoding="utf-8")
    (folder / "reports.csv").write_text(
        f"report_id,reporter_id,target_type,target_id,reason,created_at\nx1,r1,account,a1,other,{filed}\n",
        encoding="utf-8",
    )
    before = utcnow()
    Ingestor(store).ingest(folder)
    row = {"reporter_id": "r2", "target_type": "account", "target_id": "a1", "reason": "other"}
    send(store, "p", [event("e1", "reports", **row, report_id="x2", created_at=filed)])
    store_reports(store.engine, [ReportIn.model_validate(row | {"platform": "p", "report_id": "x3"})])

    def received() -> dict[str, datetime]:
        with store.engine.connect() as conn:
            return {r[0]: r[1] for r in conn.execute(select(reports.c.report_id, reports.c.received_at))}

    first = received()
    assert sorted(first) == ["x1", "x2", "x3"]
    assert all(before <= t <= utcnow() for t in first.values())
    Ingestor(store).ingest(folder, force=True)  # delivered again, later
    assert received() == first
