"""``POST /v1/events``: rows of the export contract as live events, stored once, bad items named by index and
field while the rest of the batch is stored, and a platform token writes its own platform only."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.review.service import Review
from bastion.store.group_commit import GroupCommit
from bastion.store.tables import accounts, follows, media, posts
from bastion.store.tables_events import ingest_events
from review.support import PLATFORM, add_user, login

T = "2026-03-01T12:00:00Z"


def _count(review: Review, table: Any, platform: str = PLATFORM) -> int:
    with review.engine.connect() as conn:
        query = select(func.count()).select_from(table).where(table.c.platform == platform)
        return int(conn.execute(query).scalar_one())


def auth(review: Review, platform: str = PLATFORM) -> dict[str, str]:
    return {"Authorization": f"Bearer {review.auth.create_token(platform)}"}


def account(event_id: str, account_id: str, **row: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "table": "accounts",
        "row": {"account_id": account_id, "created_at": T, "username": account_id} | row,
    }


def test_single_event_is_stored_once_and_a_replay_gets_the_same_ack(
    client: TestClient, review: Review
) -> None:
    headers = auth(review)
    first = client.post("/v1/events", json=account("e1", "acct-a"), headers=headers)
    again = client.post("/v1/events", json=account("e1", "acct-a"), headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 200
    one, two = first.json()["items"][0], again.json()["items"][0]
    assert one["status"] == two["status"] == "stored"
    assert one["stored_at"] == two["stored_at"] and (one["replay"], two["replay"]) == (False, True)
    assert _count(review, accounts) == 1 and _count(review, ingest_events) == 1


def test_batch_names_index_and_field_and_stores_the_rest(client: TestClient, review: Review) -> None:
    body = [
        account("e1", "acct-a"),
        account("e2", "acct-b", created_at="yesterday"),
        {"event_id": "e3", "table": "follows", "row": {"follower_id": "acct-a", "created_at": T}},
        {"event_id": "e4", "table": "planets", "row": {}},
        {
            "event_id": "e5",
            "table": "posts",
            "row": {
                "post_id": "p1",
                "account_id": "acct-a",
                "created_at": T,
                "text": "a picture of a bluebird",
                "media": [{"media_id": "m1", "sha256": "ab" * 32}],
            },
        },
    ]
    answer = client.post("/v1/events", json={"events": body}, headers=auth(review))
    assert answer.status_code == 207, answer.text
    data = answer.json()
    items = data["items"]
    assert [i["index"] for i in items] == [0, 1, 2, 3, 4]
    assert [i["status"] for i in items] == ["stored", "rejected", "rejected", "rejected", "stored"]
    assert items[1]["field"] == "row.created_at" and "ISO 8601" in items[1]["message"]
    assert items[2]["field"] == "row.followee_id"
    assert items[3]["field"] == "table"
    assert (data["stored"], data["replayed"], data["rejected"]) == (2, 0, 3)
    assert _count(review, accounts) == 1 and _count(review, follows) == 0
    assert _count(review, posts) == 1 and _count(review, media) == 1


def test_ndjson_body_and_a_later_profile_change_wins(client: TestClient, review: Review) -> None:
    lines = [account("e1", "acct-a", display_name="Old"), account("e2", "acct-a", display_name="New")]
    body = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    answer = client.post(
        "/v1/events",
        content=body.encode(),
        headers=auth(review) | {"Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 207
    assert [i["status"] for i in answer.json()["items"]] == ["stored", "stored", "rejected"]
    with review.engine.connect() as conn:
        name = conn.execute(select(accounts.c.display_name)).scalar_one()
    assert name == "New"


def test_a_platform_token_writes_only_its_own_platform(client: TestClient, review: Review) -> None:
    headers = auth(review)
    other = account("e1", "acct-a", platform="elsewhere")
    answer = client.post("/v1/events", json=other, headers=headers)
    assert answer.status_code == 422 and answer.json()["items"][0]["field"] == "row.platform"
    assert (
        client.post("/v1/events?platform=elsewhere", json=account("e1", "a"), headers=headers).status_code
        == 403
    )
    assert client.post("/v1/events", json=account("e1", "a")).status_code == 401
    assert _count(review, accounts, "elsewhere") == 0


def test_same_event_id_on_two_platforms_is_two_events(client: TestClient, review: Review) -> None:
    client.post("/v1/events", json=account("e1", "acct-a"), headers=auth(review))
    answer = client.post("/v1/events", json=account("e1", "acct-a"), headers=auth(review, "otherplace"))
    assert answer.status_code == 201
    assert _count(review, accounts, "otherplace") == 1


def test_an_admin_names_the_platform(client: TestClient, review: Review) -> None:
    add_user(review, "ada", "admin")
    csrf = login(client, "ada")
    headers = {"X-CSRF-Token": csrf}
    assert client.post("/v1/events", json=account("e1", "a"), headers=headers).status_code == 422
    answer = client.post(f"/v1/events?platform={PLATFORM}", json=account("e1", "a"), headers=headers)
    assert answer.status_code == 201


def test_concurrent_single_events_share_commits_and_none_is_lost(client: TestClient, review: Review) -> None:
    headers = auth(review)

    def send(i: int) -> int:
        return client.post("/v1/events", json=account(f"e{i}", f"acct-{i}"), headers=headers).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(send, range(80)))
    assert codes == [201] * 80
    assert _count(review, accounts) == 80 and _count(review, ingest_events) == 80


def test_an_unstorable_value_costs_only_its_own_event(client: TestClient, review: Review) -> None:
    huge = account("e2", "acct-b", followers_count=2**70)
    answer = client.post("/v1/events", json=[account("e1", "acct-a"), huge], headers=auth(review))
    items = answer.json()["items"]
    assert items[0]["status"] == "stored"
    assert items[1]["status"] == "rejected"
    assert _count(review, accounts) == 1


def test_nul_in_one_event_rejects_that_event_only(client: TestClient, review: Review) -> None:
    bad = account("e2", "acct-b", bio="a\u0000b")
    answer = client.post("/v1/events", json=[account("e1", "acct-a"), bad], headers=auth(review))
    assert answer.status_code == 207
    assert answer.json()["items"][1]["field"] == "row.bio"


def test_events_then_catchup_on_demand(client: TestClient, review: Review) -> None:
    """A platform sends events; a lead catches the pipeline up on them (a platform token may not)."""
    body = [account("c1", "acct-a"), account("c2", "acct-b")]
    edge = {"follower_id": "acct-a", "followee_id": "acct-b", "created_at": T}
    body.append({"event_id": "c3", "table": "follows", "row": edge})
    assert client.post("/v1/events", json=body, headers=auth(review)).status_code == 200
    assert client.post("/v1/catchup", headers=auth(review)).status_code == 403
    add_user(review, "lead-c", "lead")
    csrf = login(client, "lead-c")
    done = client.post("/v1/catchup", params={"platform": PLATFORM}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    detection = done.json()["platforms"][0]["detection"]
    assert detection["outcome"] == "full" and detection["seq"] == 3  # no run yet: a full one, up to the log
    again = client.post("/v1/catchup", headers={"X-CSRF-Token": csrf}).json()
    assert [p["detection"]["outcome"] for p in again["platforms"]] == ["none"]


def test_a_batch_with_replays_and_repeats_claims_each_id_once(client: TestClient, review: Review) -> None:
    """Over a thousand ledger rows in one group (several claim statements): an id stored before is a replay
    with its first acknowledgement, a repeat inside the batch is a replay of the first, the rest are new."""
    headers = auth(review)
    first = client.post("/v1/events", json=account("old", "acct-old"), headers=headers).json()["items"][0]
    batch = [account(f"n{i}", f"acct-{i}") for i in range(1_200)]
    batch += [account("old", "acct-old"), account("n7", "acct-7")]
    answer = client.post("/v1/events", json=batch, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["stored"], body["replayed"], body["rejected"]) == (1_200, 2, 0)
    items = body["items"]
    assert items[1_200]["replay"] and items[1_200]["stored_at"] == first["stored_at"]
    assert items[1_201]["replay"] and items[1_201]["stored_at"] == items[7]["stored_at"]
    assert not any(i["replay"] for i in items[:1_200])
    assert _count(review, ingest_events) == 1_201 and _count(review, accounts) == 1_201


def test_a_broken_writer_connection_costs_no_acknowledged_event(client: TestClient, review: Review) -> None:
    """The writer keeps its connection between groups; when that connection dies, the group is retried on a
    fresh one, so the request is still answered 201 only once its event is stored."""
    headers = auth(review)
    assert client.post("/v1/events", json=account("e1", "acct-a"), headers=headers).status_code == 201
    log = client.app.state.bastion.ingest.events  # type: ignore[attr-defined]
    assert log._conn is not None
    log._conn.connection.dbapi_connection.close()  # as a server restart or a dropped socket would
    assert client.post("/v1/events", json=account("e2", "acct-b"), headers=headers).status_code == 201
    assert _count(review, ingest_events) == 2 and _count(review, accounts) == 2


def test_a_group_answers_every_event_loop_once_and_a_failing_job_fails_alone() -> None:
    """Coroutines waiting in one group are answered in their loop; a job the write refuses fails only its
    own caller (the group is retried job by job)."""
    writes: list[list[str]] = []

    def write(jobs: list[str]) -> list[str]:
        writes.append(jobs)
        if "poison" in jobs:
            raise ValueError("cannot be stored")
        return [job.upper() for job in jobs]

    group: GroupCommit[str, str] = GroupCommit(write, size=lambda _job: 1, name="test-group")

    async def main() -> list[object]:
        waiting = [group.submit_async(job) for job in ("a", "poison", "b")]
        return await asyncio.gather(*waiting, return_exceptions=True)

    try:
        outcomes = asyncio.run(main())
        thread_future = group.submit("c")
        assert thread_future.result(timeout=30) == "C"
    finally:
        group.close()
    assert outcomes[0] == "A" and outcomes[2] == "B"
    assert isinstance(outcomes[1], ValueError)
    assert sum(len(w) for w in writes) >= 4  # each job was written (or retried) on its own after a failure
