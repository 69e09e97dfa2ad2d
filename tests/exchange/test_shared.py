"""Two Bastion instances share signals both ways over the signed feed: hashes as they are, identifiers as the
partnership's HMAC, nothing acted on before a lead approves, retraction and expiry withdraw, feedback returns,
and a feed signed with another key is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bastion.api.service import create_app
from bastion.core.errors import InputError
from bastion.core.timefmt import utcnow
from bastion.exchange import ExchangeService, ExchangeSettings, SharedSignals, identifier_hmac
from bastion.exchange.shared import SIGNATURE, canonical, sign
from bastion.review import Review
from bastion.store import Store
from bastion.system import Bastion
from exchange.support import flip_bits
from review.support import make_review

KEY = "partnership-key-north-south"
HASH = flip_bits("0" * 64, 55)


@dataclass
class Instance:
    name: str
    system: Bastion
    review: Review
    client: TestClient
    lead: dict[str, str]
    reviewer: dict[str, str]

    @property
    def svc(self) -> ExchangeService:
        return self.system.service("exchange")


@pytest.fixture(autouse=True)
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_ENV", "development")


def start(stack: ExitStack, name: str, store: Store) -> Instance:
    review = make_review(store)
    stack.callback(review.close)
    system = Bastion(store=store, services={"review": review})
    client = stack.enter_context(
        TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1")
    )
    lead = {"Authorization": f"Bearer {review.auth.create_token('lead', 'lead')}"}
    reviewer = {"Authorization": f"Bearer {review.auth.create_token('reviewer', 'reviewer')}"}
    return Instance(name, system, review, client, lead, reviewer)


def partner(a: Instance, b: Instance, key: str = KEY) -> None:
    """``a`` knows ``b``: the shared key, and a token ``b`` issued to ``a`` (its label: ``a``'s name)."""
    token = b.review.auth.create_token(a.name)
    settings = ExchangeSettings(
        instance_name=a.name, partner_keys={b.name: key}, partner_tokens={b.name: token}
    )
    a.svc.settings = settings
    a.svc.shared = SharedSignals(a.svc.banks, settings, http=lambda _p: b.client)


@pytest.fixture
def pair(store: Store, tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    with ExitStack() as stack:
        other = Store(f"sqlite:///{tmp_path / 'south.db'}")
        stack.callback(other.close)
        north, south = start(stack, "north", store), start(stack, "south", other)
        partner(north, south)
        partner(south, north)
        yield north, south


def test_signals_flow_both_ways_and_wait_for_a_lead(pair: tuple[Instance, Instance]) -> None:
    north, south = pair
    sent = north.client.post(
        "/v1/shared/signals",
        headers=north.lead,
        json={"partner": "south", "kind": "pdq", "value": HASH, "category": "known_abuse_media"},
    )
    assert sent.status_code == 200, sent.text
    north.client.post(
        "/v1/shared/signals",
        headers=north.lead,
        json={
            "partner": "south",
            "kind": "username",
            "value": "Bluefinch_Seller",
            "category": "network_member",
        },
    )
    south.client.post(
        "/v1/shared/signals",
        headers=south.lead,
        json={"partner": "north", "kind": "url", "value": "https://example.org/x", "category": "evasion"},
    )

    assert south.client.post("/v1/shared/pull/north", headers=south.lead).json() == {"changed": 2}
    assert north.client.post("/v1/shared/pull/south", headers=north.lead).json() == {"changed": 1}
    got = south.client.get("/v1/shared/incoming", headers=south.lead).json()["signals"]
    assert [(s["kind"], s["status"]) for s in got] == [("pdq", "pending"), ("username", "pending")]
    assert got[0]["value"] == HASH  # hashes travel as they are
    assert "bluefinch" not in got[1]["value"].lower()  # identifiers never do
    assert got[1]["value"] == identifier_hmac(KEY, "username", "bluefinch_seller")
    assert south.svc.matching.lookup("pdq", HASH) == {}  # pending: nothing acts on it

    url = "/v1/shared/incoming/north/1/review"
    assert south.client.post(url, json={"decision": "approve"}, headers=south.reviewer).status_code == 403
    approved = south.client.post(url, json={"decision": "approve"}, headers=south.lead)
    assert approved.json()["status"] == "approved"
    assert list(south.svc.matching.lookup("pdq", HASH)) == ["PARTNER_NORTH"]
    south.client.post("/v1/shared/incoming/north/2/review", json={"decision": "approve"}, headers=south.lead)
    assert south.svc.shared.matches_identifier("north", "username", " bluefinch_SELLER")
    assert not south.svc.shared.matches_identifier("north", "username", "someone_else")

    verdict = south.client.post(
        "/v1/shared/incoming/north/1/feedback", json={"verdict": "true_positive"}, headers=south.reviewer
    )
    assert verdict.status_code == 200 and verdict.json()["feedback"] == "true_positive"
    assert north.svc.shared.sent("south")[0]["true_positives"] == 1

    north.client.post("/v1/shared/signals/1/retract", headers=north.lead)
    south.client.post("/v1/shared/pull/north", headers=south.lead)
    assert south.svc.matching.lookup("pdq", HASH) == {}  # retracted: withdrawn from the bank
    assert south.svc.shared.incoming()[0].retracted is True


def test_expired_signals_stop_acting(pair: tuple[Instance, Instance]) -> None:
    north, south = pair
    north.svc.shared.publish(
        "south", "pdq", HASH, "known_abuse_media", by="lead", expires_at=utcnow() + timedelta(hours=1)
    )
    south.svc.shared.pull("north")
    south.svc.shared.review("north", 1, "approve", by="lead")
    assert south.svc.matching.lookup("pdq", HASH) != {}
    with south.svc.store.engine.begin() as conn:
        from sqlalchemy import update

        from bastion.store.tables_exchange import exchange_shared_in

        conn.execute(update(exchange_shared_in).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert south.svc.shared.expire() == 1
    assert south.svc.matching.lookup("pdq", HASH) == {}


def test_a_feed_signed_with_another_key_is_refused(pair: tuple[Instance, Instance]) -> None:
    north, south = pair
    north.svc.shared.publish("south", "pdq", HASH, "known_abuse_media", by="lead")
    partner(south, north, key="not-the-partnership-key")
    with pytest.raises(Exception, match="not signed"):
        south.svc.shared.pull("north")
    assert south.svc.shared.incoming() == []
    other = south.client.get("/v1/shared/feed", headers={"Authorization": "Bearer nope"})
    assert other.status_code == 401


def test_the_scheduled_pull_takes_every_partners_feed_and_survives_one_failing(
    pair: tuple[Instance, Instance],
) -> None:
    from bastion.core.errors import UpstreamError
    from bastion.exchange.jobs import pull_partners

    north, south = pair
    north.svc.shared.publish("south", "pdq", HASH, "known_abuse_media", by="lead")
    token = north.review.auth.create_token("south")
    settings = ExchangeSettings(
        instance_name="south",
        partner_keys={"north": KEY, "west": "another-key", "east": "no-token-yet"},
        partner_tokens={"north": token, "west": "token-west"},
    )

    def http(p: str) -> TestClient:
        if p == "west":
            raise ConnectionError("west is down")
        return north.client

    south.svc.settings = settings
    south.svc.shared = SharedSignals(south.svc.banks, settings, http=http)
    with pytest.raises(UpstreamError, match=r"1 partner\(s\) \(west: ConnectionError: west is down\)"):
        pull_partners(south.system)
    assert [(s.partner, s.status) for s in south.svc.shared.incoming()] == [("north", "pending")]
    south.svc.settings.partner_tokens.pop("west")
    assert pull_partners(south.system) == {"north": 0}  # from the cursor: nothing new


@dataclass
class _Answer:
    content: bytes
    headers: dict[str, str]

    def raise_for_status(self) -> None:
        return None


@dataclass
class _Partner:
    """A partner whose feed is the given body, signed with the partnership's key."""

    body: bytes

    def get(self, *_a: object, **_k: object) -> _Answer:
        return _Answer(self.body, {SIGNATURE: sign(KEY, self.body)})


def test_a_partner_feed_with_a_malformed_signal_keeps_those_before_it_and_names_it(
    pair: tuple[Instance, Instance],
) -> None:
    """A partner of another version (or with a bug) sends, signed, a signal whose hash is no hash and one
    whose expiry has no zone: the pull stores the good signal before them and stops at the first bad one,
    naming the feed, its place and its field, where it had stored the hash unchecked and the naive expiry
    (compared with the clock as another zone's), or stopped with a KeyError on a missing key."""
    _, south = pair
    good = {"seq": 1, "kind": "pdq", "value": HASH.upper(), "category": "c", "retracted": False, "version": 1}
    bad_hash = {**good, "seq": 2, "value": "zz" * 32, "version": 2}
    naive = {**good, "seq": 3, "expires_at": "2027-01-01T00:00:00", "version": 3}
    for bad, field in ((bad_hash, "value"), (naive, "expires_at"), ({"seq": 4}, "version")):
        body = canonical({"from": "north", "to": "south", "signals": [good, bad]})
        south.svc.shared.http = lambda _p, body=body: _Partner(body)
        with pytest.raises(InputError) as exc:
            south.svc.shared.pull("north")
        assert (exc.value.file, exc.value.line, exc.value.field) == ("the feed of north", 2, field)
        assert "signal 2" in str(exc.value)
    [kept] = south.svc.shared.incoming()
    assert kept.value == HASH  # normalised, as a published hash is
    not_feed = b'{"signals": 5}'
    south.svc.shared.http = lambda _p: _Partner(not_feed)
    with pytest.raises(InputError, match="signals must be a list"):
        south.svc.shared.pull("north")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1]", "verdict"),
        (b'{"verdict": ["true_positive"], "seq": 1}', "verdict"),
        (b'{"verdict": "true_positive"}', "seq"),
        (b'{"verdict": "true_positive", "seq": "1"}', "seq"),
    ],
)
def test_malformed_feedback_from_a_partner_is_refused_naming_the_field(
    pair: tuple[Instance, Instance], body: bytes, field: str
) -> None:
    """Signed, but of another version or with a bug: an InputError (a 422), where it was a 500."""
    north, _ = pair
    with pytest.raises(InputError) as exc:
        north.svc.shared.take_feedback("south", body, sign(KEY, body))
    assert exc.value.field == field
