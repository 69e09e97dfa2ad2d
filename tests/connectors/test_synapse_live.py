"""The Synapse connector against a real Synapse (matrix-synapse from PyPI) on loopback, with a real Bastion
service beside it: uploads matched by PDQ are refused, an obfuscated code word is blocked, events reach
Bastion, a reported event becomes a case within 5 s, and a decided action deactivates the account and
quarantines its media through Synapse's admin API. One homeserver for the whole module."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bastion.connectors.synapse.devserver import synapse_python
from bastion.connectors.synapse.hashing import hash_upload
from bastion.demo.matrix_world import MatrixWorld, matrix_world
from support.shapes import shapes_png
from support.waiting import until

PLATFORM = "matrix-test"
HELP = "Not sent: this server does not allow that word. Help is available at the safety page."
PYTHON = synapse_python()
if PYTHON is None and os.environ.get("CI"):
    raise pytest.UsageError("CI must run the Synapse tests: scripts/setup-synapse.sh creates .venv-synapse")
pytestmark = pytest.mark.skipif(
    PYTHON is None, reason="Synapse is not installed here: run scripts/setup-synapse.sh (.venv-synapse)"
)


Live = MatrixWorld


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    assert PYTHON is not None
    root = tmp_path_factory.mktemp("synapse-live")
    saved = {k: os.environ.get(k) for k in ("BASTION_ENV", "BASTION_SECRET_KEY")}
    os.environ.update(BASTION_ENV="development", BASTION_SECRET_KEY="synapse-test-secret-0123456789")
    try:
        with matrix_world(
            PYTHON, root, platform=PLATFORM, listed_png=shapes_png(7), module_config={"help_message": HELP}
        ) as world:
            for name in ("alice", "bob", "mallory", "bluefinchfan"):
                world.register(name)
            yield world
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def upload(client: httpx.Client, data: bytes) -> httpx.Response:
    return client.post(
        "/_matrix/media/v3/upload", params={"filename": "shapes.png"}, content=data,
        headers={"Content-Type": "image/png"},
    )  # fmt: skip


def room(client: httpx.Client, **body: Any) -> str:
    answer = client.post("/_matrix/client/v3/createRoom", json={"preset": "public_chat"} | body)
    answer.raise_for_status()
    return str(answer.json()["room_id"])


def send(client: httpx.Client, room_id: str, body: dict[str, Any]) -> httpx.Response:
    txn = f"t{time.monotonic_ns()}"
    return client.put(f"/_matrix/client/v3/rooms/{quote(room_id)}/send/m.room.message/{txn}", json=body)


def test_a_listed_picture_is_refused_at_upload_and_an_unlisted_one_is_stored(live: Live) -> None:
    with live.matrix("alice") as alice:
        refused = upload(alice, shapes_png(7))
        stored = upload(alice, shapes_png(21))
    assert refused.status_code == 400, refused.text
    assert stored.status_code == 200 and stored.json()["content_uri"].startswith("mxc://")
    report_id = f"matrix-upload-{hash_upload(shapes_png(7)).sha256[:40]}"

    def reported() -> bool:
        with live.bastion_http(live.platform_token) as http:
            return http.get(f"/v1/reports/{PLATFORM}/{report_id}").status_code == 200

    until(reported, 10, "the refused upload reported to Bastion")


def test_an_obfuscated_code_word_is_blocked_with_the_help_message(live: Live) -> None:
    with live.matrix("alice") as alice:
        room_id = room(alice)
        blocked = send(alice, room_id, {"msgtype": "m.text", "body": "see you at the b1uef1nch place"})
        fine = send(alice, room_id, {"msgtype": "m.text", "body": "see you at the park"})
        named = alice.put(
            f"/_matrix/client/v3/rooms/{quote(room_id)}/state/m.room.name", json={"name": "B L U E F I N C H"}
        )
    assert blocked.status_code == 403, blocked.text
    assert blocked.json() == {"errcode": "M_FORBIDDEN", "error": HELP}
    assert fine.status_code == 200
    assert named.status_code == 403


def test_events_reach_bastion_with_the_upload_hashes(live: Live) -> None:
    with live.matrix("bob") as bob:
        uri = upload(bob, shapes_png(33)).json()["content_uri"]
        room_id = room(bob)
        event_id = send(bob, room_id, {"msgtype": "m.image", "body": "shapes.png", "url": uri}).json()[
            "event_id"
        ]
    expected = hash_upload(shapes_png(33))

    def stored() -> Any:
        with live.bastion.store.engine.connect() as conn:
            found = dict(
                conn.exec_driver_sql(
                    "SELECT hash_type, value FROM media_hashes WHERE platform = ? AND post_id = ?",
                    (PLATFORM, event_id),
                ).all()
            )
        return found if {"pdq", "video_sha256"} <= found.keys() else None

    hashes = until(stored, 10, "the image message and its hashes stored in Bastion")
    assert (hashes["video_sha256"], hashes["pdq"]) == (expected.sha256, expected.pdq)
    with live.bastion.store.engine.connect() as conn:
        account = conn.exec_driver_sql(
            "SELECT username FROM accounts WHERE platform = ? AND account_id = ?",
            (PLATFORM, "@bob:localhost"),
        ).first()
    assert account is not None and account[0] == "bob"


def test_a_code_word_display_name_is_reset(live: Live) -> None:
    with live.matrix("bob") as bob:
        answer = bob.put(
            "/_matrix/client/v3/profile/@bob:localhost/displayname", json={"displayname": "B1uefinch"}
        )
        assert answer.status_code == 200, answer.text

        def reset() -> bool:
            shown = bob.get("/_matrix/client/v3/profile/@bob:localhost/displayname").json().get("displayname")
            return shown == "bob"

        until(reset, 5, "the display name reset to the local part")
        time.sleep(1)  # let the reset finish updating bob's rooms before the next change
        ordinary = bob.put(
            "/_matrix/client/v3/profile/@bob:localhost/displayname", json={"displayname": "Bob B"}
        )
        assert ordinary.status_code == 200
        assert (
            bob.get("/_matrix/client/v3/profile/@bob:localhost/displayname").json()["displayname"] == "Bob B"
        )


def test_code_word_accounts_are_hidden_from_user_directory_search(live: Live) -> None:
    with live.matrix("alice") as alice:
        hidden = alice.post("/_matrix/client/v3/user_directory/search", json={"search_term": "bluefinch"})
        found = alice.post("/_matrix/client/v3/user_directory/search", json={"search_term": "bob"})
    assert hidden.json()["results"] == []
    assert [r["user_id"] for r in found.json()["results"]] == ["@bob:localhost"]


def test_a_reported_event_becomes_a_bastion_case_within_5_seconds(live: Live) -> None:
    with live.matrix("alice") as alice, live.matrix("bob") as bob:
        room_id = room(alice)
        bob.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        event_id = send(alice, room_id, {"msgtype": "m.text", "body": "an ordinary message"}).json()[
            "event_id"
        ]
        started = time.monotonic()
        bob.post(
            f"/_matrix/client/v3/rooms/{quote(room_id)}/report/{quote(event_id)}", json={"reason": "worrying"}
        ).raise_for_status()
    with live.matrix("admin") as admin:
        report_id = admin.get("/_synapse/admin/v1/event_reports").json()["event_reports"][0]["id"]

    def case() -> Any:
        with live.bastion_http(live.platform_token) as http:
            answer = http.get(f"/v1/reports/{PLATFORM}/matrix-report-{report_id}")
        return answer.status_code == 200 and answer.json()["case_id"]

    until(case, 5, "the Synapse event report queued as a Bastion case")
    assert time.monotonic() - started < 5


def test_a_decided_action_deactivates_the_account_and_quarantines_its_media(live: Live) -> None:
    with live.matrix("mallory") as mallory:
        uri = upload(mallory, shapes_png(44)).json()["content_uri"]
        room(mallory)
    body = {
        "platform": PLATFORM,
        "account_id": "@mallory:localhost",
        "actions": ["disable_account"],
        "reason": "network takedown (test)",
        "clause": "SP-1",
    }
    with live.bastion_http(live.admin_token) as http:
        decided = http.post("/v1/actions", json=body)
    assert decided.status_code == 201, decided.text
    with live.matrix("admin") as admin:

        def deactivated() -> bool:
            return bool(admin.get("/_synapse/admin/v2/users/@mallory:localhost").json().get("deactivated"))

        until(deactivated, 10, "mallory deactivated on the homeserver")
        media = admin.get("/_synapse/admin/v1/users/@mallory:localhost/media").json()["media"]
    media_id = uri.rsplit("/", 1)[-1]
    assert [m["quarantined_by"] for m in media if m["media_id"] == media_id] == ["@admin:localhost"]
    with sqlite3.connect(live.state_dir / "connector.db") as db:
        audit = db.execute("SELECT action, target, status FROM audit ORDER BY at").fetchall()
    assert ("quarantine_user_media", "@mallory:localhost", "done") in audit
    assert ("deactivate", "@mallory:localhost", "done") in audit


def decide(live: Live, account: str, actions: list[str], **extra: Any) -> list[int]:
    body = {"platform": PLATFORM, "account_id": account, "actions": actions}
    body |= {"reason": "test decision", "clause": "SP-1"} | extra
    with live.bastion_http(live.admin_token) as http:
        answer = http.post("/v1/actions", json=body)
    assert answer.status_code == 201, answer.text
    return [int(i) for i in answer.json()["action_ids"]]


def bodies(client: httpx.Client, room_id: str) -> list[str]:
    """The message bodies ``client`` sees in the room, oldest first."""
    path = f"/_matrix/client/v3/rooms/{quote(room_id)}/messages"
    answer = client.get(path, params={"dir": "b", "limit": 50})
    answer.raise_for_status()
    chunk = answer.json()["chunk"]
    return [str(e["content"]["body"]) for e in reversed(chunk) if e["type"] == "m.room.message"]


def audit(live: Live) -> list[tuple[str, str, str]]:
    with sqlite3.connect(live.state_dir / "connector.db") as db:
        return [tuple(r) for r in db.execute("SELECT action, target, status FROM audit ORDER BY at")]


def test_a_shadow_banned_account_seems_to_send_but_nobody_receives_it_until_the_appeal(live: Live) -> None:
    carol, dave = live.register("carol"), live.register("dave")
    with live.hs.client(carol) as c, live.hs.client(dave) as d, live.matrix("admin") as admin:
        room_id = room(c)
        d.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        [action_id] = decide(live, "@carol:localhost", ["shadow_ban"])

        def banned(expected: bool) -> bool:
            user = admin.get("/_synapse/admin/v2/users/@carol:localhost").json()
            return bool(user.get("shadow_banned")) is expected

        until(lambda: banned(True), 10, "carol shadow-banned on the homeserver")
        hidden = send(c, room_id, {"msgtype": "m.text", "body": "hello from carol (shadow-banned)"})
        assert hidden.status_code == 200 and hidden.json()["event_id"]  # looks sent to carol
        send(d, room_id, {"msgtype": "m.text", "body": "dave after that"}).raise_for_status()
        seen = bodies(d, room_id)
        assert "dave after that" in seen and "hello from carol (shadow-banned)" not in seen

        with live.bastion_http(live.admin_token) as http:
            http.post(
                f"/v1/actions/{action_id}/reverse", json={"reason": "appeal upheld", "clause": "APPEAL-1"}
            ).raise_for_status()
        until(lambda: banned(False), 10, "carol's shadow-ban lifted after the appeal")
        send(c, room_id, {"msgtype": "m.text", "body": "carol again"}).raise_for_status()
        assert bodies(d, room_id)[-1] == "carol again"
    assert ("shadow_ban", "@carol:localhost", "done") in audit(live)
    assert ("unshadow_ban", "@carol:localhost", "done") in audit(live)


def test_removed_content_is_preserved_then_redacted_for_everyone(live: Live) -> None:
    erin, frank = live.register("erin"), live.register("frank")
    with live.hs.client(erin) as e, live.hs.client(frank) as f:
        room_id = room(e)
        f.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        kept = send(f, room_id, {"msgtype": "m.text", "body": "frank's own words"}).json()["event_id"]
        gone = [
            send(e, room_id, {"msgtype": "m.text", "body": f"erin's message {k}"}).json()["event_id"]
            for k in range(2)
        ]
        single = send(f, room_id, {"msgtype": "m.text", "body": "one message of frank"}).json()["event_id"]

        def remembered() -> bool:  # the module saw erin post here (she leaves the room when deactivated)
            with sqlite3.connect(live.state_dir / "connector.db") as db:
                row = db.execute("SELECT 1 FROM rooms WHERE event_id = ?", (gone[-1],)).fetchone()
            return row is not None

        until(remembered, 10, "the module recorded where erin's messages are")
        # the order a seller's takedown uses: deactivate first, then remove all of the account's content
        decide(live, "@erin:localhost", ["disable_account", "remove_content"])
        decide(live, "@frank:localhost", ["remove_content"], post_id=single)

        def content(event_id: str) -> dict[str, Any]:
            answer = f.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(event_id)}")
            answer.raise_for_status()
            found: dict[str, Any] = answer.json()["content"]
            return found

        until(lambda: all(content(x) == {} for x in [*gone, single]), 30, "the content redacted for frank")
        assert content(kept)["body"] == "frank's own words"
    until(lambda: ("redact", single, "done") in audit(live), 10, "the redaction audited as done")
    with sqlite3.connect(live.state_dir / "connector.db") as db:
        preserved = {
            event_id: json.loads(event)["content"].get("body")
            for event_id, event in db.execute("SELECT event_id, event FROM preserved")
        }
        done = "SELECT action || ' ' || target, at FROM audit WHERE status = 'done'"
        at = dict(db.execute(done).fetchall())
    assert {x: preserved[x] for x in [*gone, single]} == {
        gone[0]: "erin's message 0",
        gone[1]: "erin's message 1",
        single: "one message of frank",
    }
    assert kept not in preserved  # frank's other words were not part of any decision
    assert at["preserve @erin:localhost"] < at["redact_user @erin:localhost"]
    assert f"redact {single}" in at


def test_an_event_the_redaction_task_skips_is_redacted_by_the_admin_with_room_power(live: Live) -> None:
    gina, hank = live.register("gina"), live.register("hank")
    with live.hs.client(gina) as g, live.hs.client(hank) as h:
        room_id = room(g)  # gina created it: the room's local admin
        h.post(f"/_matrix/client/v3/join/{quote(room_id)}").raise_for_status()
        uri = upload(h, shapes_png(55)).json()["content_uri"]
        path = f"/_matrix/client/v3/rooms/{quote(room_id)}/send/m.sticker/s{time.monotonic_ns()}"
        sticker = h.put(path, json={"body": "a sticker", "url": uri, "info": {}}).json()["event_id"]
        decide(live, "@hank:localhost", ["remove_content"], post_id=sticker)

        def redacted() -> bool:
            answer = g.get(f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(sticker)}")
            return answer.json().get("content") == {}

        until(redacted, 30, "the sticker redacted for gina")
    until(lambda: ("redact", sticker, "done") in audit(live), 10, "the redaction audited as done")
    assert ("make_room_admin", room_id, "done") in audit(live) and ("join", room_id, "done") in audit(live)
