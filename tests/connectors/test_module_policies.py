"""The module's callbacks without Synapse (a stand-in for its ModuleApi): what happens when Bastion is down
under each policy, and that a match blocks or flags as configured."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bastion.connectors.synapse import BastionModule
from bastion.connectors.synapse.client import Unreachable
from support.shapes import shapes_png


class FakeApi:
    """The parts of Synapse's ModuleApi the module uses; blocking calls run inline."""

    def __init__(self) -> None:
        self.callbacks: dict[str, Any] = {}

    def register_spam_checker_callbacks(self, **kw: Any) -> None:
        self.callbacks |= kw

    def register_third_party_rules_callbacks(self, **kw: Any) -> None:
        self.callbacks |= kw

    async def defer_to_thread(self, f: Any, *args: Any, **kwargs: Any) -> Any:
        return f(*args, **kwargs)

    async def get_userinfo_by_id(self, user_id: str) -> Any:
        return None


class FakeClient:
    def __init__(self, *, down: bool = False, terms: tuple[str, ...] = (), listed: bool = False) -> None:
        self.down, self.terms, self.listed = down, terms, listed

    def _check(self) -> None:
        if self.down:
            raise Unreachable("connection refused")

    def match_terms(self, texts: list[str], field: str = "text") -> list[list[dict[str, Any]]]:
        self._check()
        return [[{"term": t} for t in self.terms if t in text.lower()] for text in texts]

    def match_media(self, hashes: dict[str, Any]) -> dict[str, Any]:
        self._check()
        return {"matched": self.listed, "matches": [{"list_name": "l"}] if self.listed else []}

    def close(self) -> None:
        pass


@dataclass
class Event:
    type: str
    content: dict[str, Any]
    sender: str = "@a:hs"
    room_id: str = "!r:hs"
    event_id: str = "$e1"
    origin_server_ts: int = 1_767_000_000_000
    state_key: str | None = None


@dataclass
class FileInfo:
    file_id: str = "m1"
    thumbnail: Any = None
    url_cache: bool = False


@dataclass
class Wrapper:
    data: bytes
    chunks: list[bytes] = field(default_factory=list)

    async def write_chunks_to(self, callback: Any) -> None:
        callback(self.data)


def module(tmp_path: Path, client: FakeClient, **config: Any) -> BastionModule:
    base = {"bastion_url": "http://b", "bastion_token": "t", "platform": "p", "state_dir": str(tmp_path)}
    m = BastionModule(base | config, FakeApi())
    for w in m.workers:
        w.stop()
    m.client = client  # type: ignore[assignment]
    return m


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.mark.parametrize("policy", ["allow", "refuse"])
def test_bastion_down_follows_the_unreachable_policy(tmp_path: Path, policy: str) -> None:
    m = module(tmp_path, FakeClient(down=True), when_unreachable=policy)
    upload = run(m.check_media_file_for_spam(Wrapper(shapes_png(2)), FileInfo()))
    message = run(m.check_event_for_spam(Event("m.room.message", {"body": "hello"})))
    if policy == "allow":
        assert upload == message == "NOT_SPAM"
        assert m.outbox.upload("m1") is not None  # its hashes wait for the message that uses it
    else:
        assert upload[0] == message[0] == "M_FORBIDDEN"
    m.close()


def test_a_match_blocks_or_flags_as_configured(tmp_path: Path) -> None:
    blocking = module(tmp_path / "b", FakeClient(terms=("bluefinch",)), help_message="not here")
    answer = run(blocking.check_event_for_spam(Event("m.room.topic", {"topic": "bluefinch corner"})))
    assert answer == ("M_FORBIDDEN", {"error": "not here"})
    assert blocking.outbox.waiting("event") == 1  # the refused attempt goes to Bastion as evidence
    flagging = module(tmp_path / "f", FakeClient(terms=("bluefinch",)), text_policy="flag")
    assert run(flagging.check_event_for_spam(Event("m.room.message", {"body": "bluefinch"}))) == "NOT_SPAM"
    listed = module(tmp_path / "m", FakeClient(listed=True))
    refused = run(listed.check_media_file_for_spam(Wrapper(shapes_png(2)), FileInfo()))
    assert refused[0] == "M_FORBIDDEN" and listed.outbox.waiting("report") == 1
    for m in (blocking, flagging, listed):
        m.close()


def test_messages_invites_and_joins_become_events(tmp_path: Path) -> None:
    m = module(tmp_path, FakeClient())
    run(m.check_media_file_for_spam(Wrapper(shapes_png(4)), FileInfo(file_id="pic")))
    run(
        m.on_new_event(
            Event("m.room.message", {"msgtype": "m.image", "body": "p", "url": "mxc://hs/pic"}), {}
        )
    )
    invite = Event("m.room.member", {"membership": "invite"}, event_id="$e2", state_key="@b:hs")
    run(m.on_new_event(invite, {}))
    run(
        m.on_new_event(Event("m.room.member", {"membership": "join", "displayname": "A"}, event_id="$e3"), {})
    )
    queued = {key: payload for _, key, payload in m.outbox.take("event", 10)}
    assert (
        queued["$e1"]["table"] == "posts" and queued["$e1"]["row"]["media"][0]["media_id"] == "mxc://hs/pic"
    )
    assert "pdq" in queued["$e1"]["row"]["media"][0]
    assert queued["$e2"]["table"] == "messages"
    assert (queued["$e2"]["row"]["sender_id"], queued["$e2"]["row"]["recipient_id"]) == ("@a:hs", "@b:hs")
    assert queued["$e3"]["table"] == "accounts" and queued["$e3"]["row"]["display_name"] == "A"
    assert m.outbox.room_of("$e1") == ("!r:hs", "@a:hs")
    m.close()
