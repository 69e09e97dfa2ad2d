"""The Mastodon webhook receiver (``POST /v1/mastodon/webhook``) fed Mastodon's documented payloads: the
signature is checked before anything is read; accounts and statuses become rows, a report becomes a Bastion
report and then a case; a reported image is fetched from a real local HTTP server and only its hashes are
kept. Tested against these payloads, not a live Mastodon server."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bastion.api.service import create_app
from bastion.connectors.mastodon import map_webhook, parse, sign
from bastion.media import hash_file
from bastion.review.service import Review
from bastion.store.tables import accounts, posts, reports
from bastion.store.tables_media import media_hashes
from connectors.mastodon_payloads import (
    MEDIA_ID,
    REPORT_ID,
    STATUS_ID,
    TARGET_ID,
    admin_account,
    admin_report,
    media_attachment,
    plain_account,
    status,
    webhook,
)
from connectors.mastodon_standin import Server, StandIn
from support.shapes import shapes_png
from support.system import around

SECRET = "a-webhook-secret-from-mastodon-admin"
PLATFORM = "mastodon.example"
URL = "/v1/mastodon/webhook"


@pytest.fixture
def api(review: Review, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("BASTION_MASTODON_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BASTION_MASTODON_PLATFORM", PLATFORM)
    monkeypatch.setenv("BASTION_MASTODON_MEDIA_PRIVATE_HOSTS", "true")  # the media server is on loopback
    with TestClient(create_app(around(review), start_workers=False), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def media_server() -> Iterator[StandIn]:
    world = StandIn(files={"/system/media_attachments/files/original/1.png": shapes_png(7)})
    with Server(world):
        yield world


def post(client: TestClient, payload: dict[str, Any], secret: str = SECRET, **headers: str) -> Any:
    body = json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", "X-Hub-Signature": sign(secret.encode(), body)} | headers
    return client.post(URL, content=body, headers=sent)


def test_unsigned_and_wrongly_signed_webhooks_are_refused_before_reading(
    api: TestClient, review: Review
) -> None:
    payload = webhook("account.created", admin_account("42", "newcomer"))
    body = json.dumps(payload).encode()
    missing = api.post(URL, content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401 and "X-Hub-Signature" in missing.json()["detail"]
    wrong = post(api, payload, secret="another-secret-entirely")
    assert wrong.status_code == 403 and "does not match" in wrong.json()["detail"]
    tampered = api.post(
        URL,
        content=body.replace(b"newcomer", b"imposter"),
        headers={"X-Hub-Signature": sign(SECRET.encode(), body), "Content-Type": "application/json"},
    )
    assert tampered.status_code == 403
    other_algorithm = api.post(URL, content=body, headers={"X-Hub-Signature": "sha1=" + "0" * 40})
    assert other_algorithm.status_code == 403 and "sha256" in other_algorithm.json()["detail"]
    with review.engine.connect() as conn:
        assert conn.execute(select(accounts.c.account_id)).all() == []  # nothing stored


def test_receiver_is_off_without_a_secret(review: Review, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASTION_MASTODON_WEBHOOK_SECRET", raising=False)
    with TestClient(create_app(around(review), start_workers=False), base_url="http://127.0.0.1") as c:
        answer = post(c, webhook("account.created", admin_account("42", "newcomer")))
        unsigned = c.post(URL, json=webhook("account.created", admin_account("42", "newcomer")))
    assert answer.status_code == 404 and "BASTION_MASTODON_WEBHOOK_SECRET" in answer.json()["detail"]
    assert unsigned.status_code == 401


def test_account_created_and_updated_become_account_rows(api: TestClient, review: Review) -> None:
    created = post(api, webhook("account.created", admin_account("42", "newcomer")))
    assert created.status_code == 200, created.text
    assert created.json()["events"]["stored"] == 1
    again = post(api, webhook("account.created", admin_account("42", "newcomer")))  # a redelivery
    assert again.json()["events"] == {"stored": 0, "replayed": 1, "rejected": []}
    changed = admin_account("42", "newcomer")
    changed["account"]["display_name"] = "Garden Newcomer"
    changed["suspended"] = True
    updated = post(api, webhook("account.updated", changed, at="2023-10-27T09:00:00.000Z"))
    assert updated.json()["events"]["stored"] == 1
    with review.engine.connect() as conn:
        row = conn.execute(select(accounts).where(accounts.c.account_id == "42")).one()
    assert (row.platform, row.username, row.display_name, row.status) == (
        PLATFORM,
        "newcomer",
        "Garden Newcomer",
        "disabled",
    )
    assert row.bio == "Likes tea & gardening"  # the note's HTML as text


def test_status_created_is_a_post_with_its_image_hashed(
    api: TestClient, review: Review, media_server: StandIn
) -> None:
    author = plain_account("77", "painter", None)
    url = f"{media_server.url}/system/media_attachments/files/original/1.png"
    answer = post(api, webhook("status.created", status("555", author, [media_attachment("9", url)])))
    assert answer.status_code == 200, answer.text
    assert answer.json()["media"] == {"hashed": 1, "not_hashed": 0}
    with review.engine.connect() as conn:
        row = conn.execute(select(posts).where(posts.c.post_id == "555")).one()
        hashes = dict(conn.execute(select(media_hashes.c.hash_type, media_hashes.c.value)).all())
    assert row.account_id == "77" and row.hashtags == "stickers"
    assert row.text == "Sharing garden photos, ask me\n#stickers"
    png = shapes_png(7)
    assert hashes["video_sha256"] == hashlib.sha256(png).hexdigest()
    assert hashes["video_md5"] == hashlib.md5(png, usedforsecurity=False).hexdigest()
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(png)
        f.flush()
        assert hashes["pdq"] == hash_file(f.name).pdq  # Bastion's own PDQ of the same bytes
    assert [r.path for r in media_server.seen] == ["/system/media_attachments/files/original/1.png"]


def test_report_created_becomes_a_report_then_a_case_with_hashed_media(
    api: TestClient, review: Review, media_server: StandIn
) -> None:
    leftovers = set(glob.glob(os.path.join(tempfile.gettempdir(), "bastion-mastodon-*")))
    url = f"{media_server.url}/system/media_attachments/files/original/1.png"
    answer = post(api, webhook("report.created", admin_report(url)))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reports"] == {"stored": 1, "duplicate": 0, "rejected": []}
    assert body["events"]["stored"] == 2 and body["media"] == {"hashed": 1, "not_hashed": 0}
    with review.engine.connect() as conn:
        stored = conn.execute(select(reports)).one()
        post_row = conn.execute(select(posts).where(posts.c.post_id == STATUS_ID)).one()
        target = conn.execute(select(accounts).where(accounts.c.account_id == TARGET_ID)).one()
    assert (stored.platform, stored.report_id, stored.target_type, stored.target_id) == (
        PLATFORM,
        f"mastodon-report-{REPORT_ID}",
        "account",
        TARGET_ID,
    )
    assert stored.reporter_id == "123456789" and stored.text == "This account keeps posting odd things"
    extra = stored.extra
    assert extra["mastodon_report_id"] == REPORT_ID and extra["status_ids"] == [STATUS_ID]
    assert extra["category"] == "violation" and extra["rule_ids"] == ["2"]
    assert extra["media"][0]["media_id"] == MEDIA_ID
    assert extra["media"][0]["sha256"] == hashlib.sha256(shapes_png(7)).hexdigest()
    assert post_row.account_id == TARGET_ID and target.username == "pebbleperson@otherserver.example"
    after = set(glob.glob(os.path.join(tempfile.gettempdir(), "bastion-mastodon-*")))
    assert after - leftovers == set()  # the fetched bytes lived only while hashed
    review.triage()
    token = review.auth.create_token(PLATFORM)
    where = api.get(
        f"/v1/reports/{PLATFORM}/mastodon-report-{REPORT_ID}", headers={"Authorization": f"Bearer {token}"}
    )
    assert where.status_code == 200 and where.json()["case_id"] is not None
    replay = post(api, webhook("report.created", admin_report(url)))
    assert replay.json()["reports"]["duplicate"] == 1 and replay.json()["events"]["stored"] == 0


def test_media_that_cannot_be_fetched_is_named_not_silently_dropped(
    api: TestClient, review: Review, media_server: StandIn
) -> None:
    payload = admin_report(f"{media_server.url}/no/such/file.png")
    payload["statuses"][0]["media_attachments"].append(media_attachment("99", "ftp://files.example/x.png"))
    answer = post(api, webhook("report.created", payload))
    assert answer.status_code == 200 and answer.json()["media"] == {"hashed": 0, "not_hashed": 2}
    with review.engine.connect() as conn:
        extra = conn.execute(select(reports.c.extra)).scalar_one()
    why = {m["media_id"]: m["why"] for m in extra["media_not_hashed"]}
    assert "HTTP 404" in why[MEDIA_ID] and "only http(s)" in why["99"]


def test_events_bastion_does_not_map_are_acknowledged_and_bad_payloads_named(api: TestClient) -> None:
    ignored = post(api, webhook("report.updated", {"id": "1"}))
    assert ignored.status_code == 200 and ignored.json() == {"event": "report.updated", "ignored": True}
    bad = post(api, {"event": "report.created", "created_at": "2023-10-26T13:34:00Z"})
    assert bad.status_code == 422 and bad.json()["field"] == "object"
    no_target = post(api, webhook("report.created", {"id": "5", "account": admin_account("1", "a")}))
    assert no_target.status_code == 422 and no_target.json()["field"] == "object.target_account"


def test_mapping_keeps_one_event_per_id_and_derives_ids_from_the_delivery() -> None:
    payload = webhook("report.created", admin_report("https://files.example/1.png"))
    mapped = map_webhook(parse(json.dumps(payload).encode()))
    ids = [e["event_id"] for e in mapped.events]
    assert len(ids) == len(set(ids)) == 2  # the target, who is also the status's author, once
    assert [m.url for m in mapped.media] == ["https://files.example/1.png"]


def test_media_limits_refuse_loopback_by_default_and_cap_the_size(
    review: Review, media_server: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_MASTODON_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BASTION_MASTODON_PLATFORM", PLATFORM)
    url = f"{media_server.url}/system/media_attachments/files/original/1.png"
    author = plain_account("77", "painter", None)
    with TestClient(create_app(around(review), start_workers=False), base_url="http://127.0.0.1") as c:
        refused = post(c, webhook("status.created", status("601", author, [media_attachment("1", url)])))
    assert refused.json()["media"] == {"hashed": 0, "not_hashed": 1}
    assert media_server.seen == []  # not even asked: 127.0.0.1 is not a public address
    monkeypatch.setenv("BASTION_MASTODON_MEDIA_PRIVATE_HOSTS", "true")
    monkeypatch.setenv("BASTION_MASTODON_MEDIA_MAX_BYTES", "1000")
    with TestClient(create_app(around(review), start_workers=False), base_url="http://127.0.0.1") as c:
        capped = post(c, webhook("status.created", status("602", author, [media_attachment("2", url)])))
    assert capped.json()["media"] == {"hashed": 0, "not_hashed": 1}
    assert len(media_server.seen) == 1  # asked this time, and the answer was cut at 1,000 bytes
    with review.engine.connect() as conn:
        assert conn.execute(select(media_hashes.c.value)).all() == []


def test_a_file_that_is_not_an_image_keeps_its_md5_and_sha256(
    api: TestClient, review: Review, media_server: StandIn
) -> None:
    media_server.files["/system/media_attachments/files/original/2.mp3"] = b"not a picture " * 64
    item = media_attachment("3", f"{media_server.url}/system/media_attachments/files/original/2.mp3")
    item["type"] = "audio"
    answer = post(api, webhook("status.created", status("603", plain_account("77", "painter", None), [item])))
    assert answer.json()["media"] == {"hashed": 1, "not_hashed": 0}
    with review.engine.connect() as conn:
        kinds = {t for (t,) in conn.execute(select(media_hashes.c.hash_type))}
    assert kinds == {"video_md5", "video_sha256"}
