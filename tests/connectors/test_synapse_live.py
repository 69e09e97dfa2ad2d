"""The Synapse connector against a real Synapse (matrix-synapse from PyPI) on loopback, with a real Bastion
service beside it: uploads matched by PDQ are refused, an obfuscated code word is blocked, events reach
Bastion, a reported event becomes a case within 5 s, and a decided action deactivates the account and
quarantines its media through Synapse's admin API. One homeserver for the whole module."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bastion.connectors.synapse.hashing import hash_upload
from bastion.core.roles import Role
from bastion.media.repository import BankRepository
from bastion.system import Bastion
from bastion.terms import Lexicon, LexiconRepository
from connectors.synapse_harness import Homeserver, bastion_service, free_port, homeserver, synapse_python
from support.shapes import shapes_png

PLATFORM = "matrix-test"
HELP = "Not sent: this server does not allow that word. Help is available at the safety page."
PYTHON = synapse_python()
if PYTHON is None and os.environ.get("CI"):
    raise pytest.UsageError("CI must run the Synapse tests: scripts/setup-synapse.sh creates .venv-synapse")
pytestmark = pytest.mark.skipif(
    PYTHON is None, reason="Synapse is not installed here: run scripts/setup-synapse.sh (.venv-synapse)"
)


@dataclass
class Live:
    hs: Homeserver
    bastion: Bastion
    bastion_url: str
    admin_token: str  # Bastion admin token (decides actions)
    platform_token: str
    state_dir: Path
    users: dict[str, str]  # localpart -> Matrix access token

    def matrix(self, who: str) -> httpx.Client:
        return self.hs.client(self.users[who])

    def bastion_http(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.bastion_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )


def until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    assert PYTHON is not None
    root = tmp_path_factory.mktemp("synapse-live")
    saved = {k: os.environ.get(k) for k in ("BASTION_ENV", "BASTION_SECRET_KEY")}
    os.environ.update(BASTION_ENV="development", BASTION_SECRET_KEY="synapse-test-secret-0123456789")
    bastion = Bastion.open(f"sqlite:///{root / 'bastion.db'}")
    try:
        LexiconRepository(bastion.store).import_lexicon(
            Lexicon.of("codewords", [("bluefinch", "test_category", 4)]), by="test"
        )
        listed = hash_upload(shapes_png(7))
        assert listed.pdq is not None
        BankRepository(bastion.store).add("pdq", listed.pdq, "test-list", by="test")
        platform_token = bastion.review.auth.create_token(PLATFORM)
        admin_token = bastion.review.auth.create_token("test-admin", Role.ADMIN)
        with bastion_service(bastion) as url:
            state_dir = root / "connector"
            port = free_port()
            config = {
                "bastion_url": url,
                "bastion_token": platform_token,
                "platform": PLATFORM,
                "homeserver_url": f"http://127.0.0.1:{port}",
                "admin_token_file": str(root / "admin.token"),
                "state_dir": str(state_dir),
                "help_message": HELP,
                "report_poll_seconds": 0.3,
                "action_poll_seconds": 0.3,
                "timeout_seconds": 10.0,
            }
            with homeserver(PYTHON, root / "hs", port, config) as hs:
                users = {"admin": hs.register("admin", admin=True)}
                (root / "admin.token").write_text(users["admin"], encoding="utf-8")
                for name in ("alice", "bob", "mallory"):
                    users[name] = hs.register(name)
                users["bluefinchfan"] = hs.register("bluefinchfan")
                yield Live(hs, bastion, url, admin_token, platform_token, state_dir, users)
    finally:
        bastion.close()
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
