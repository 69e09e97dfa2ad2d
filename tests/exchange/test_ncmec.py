"""NCMEC end to end against a local stand-in of its hash sharing API (real sockets, threatexchange's own
client): a sync in pages with a deletion, then reviewers' decisions on matches sent back as NCMEC up and down
votes on the right member's entry, with a false positive disabled locally and never re-added."""

from __future__ import annotations

import types
from collections.abc import Iterator

import numpy as np
import pytest
from threatexchange.exchanges.impl import ncmec_api

from bastion.core.roles import Role
from bastion.exchange import ExchangeService
from bastion.review import Principal, Review
from bastion.system import Bastion
from exchange.standins import NcmecEntry, NcmecStandIn, Vote, serve
from exchange.support import case_with_match, random_pdq

T0 = 1_700_000_000
REASONS = {"r-false-match": "False match", "r-low-quality": "Low-quality hash"}


class Clock:
    """threatexchange's NCMEC fetch reads ``time.time()`` for the end of its range: the test sets it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock(T0 + 3_600)
    monkeypatch.setattr(ncmec_api, "time", types.SimpleNamespace(time=c.time))
    return c


@pytest.fixture
def ncmec(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    NcmecStandIn.reset()
    NcmecStandIn.reasons = {"PDQ": REASONS, "MD5": REASONS}
    with serve(NcmecStandIn) as url:
        base = url + NcmecStandIn.prefix
        monkeypatch.setenv("BASTION_ENV", "development")
        monkeypatch.delenv("BASTION_WEBHOOK_URL", raising=False)
        monkeypatch.setenv("BASTION_EXCHANGE_NCMEC_USER", "bastion-test")
        monkeypatch.setenv("BASTION_EXCHANGE_NCMEC_PASSWORD", "not-a-secret")
        monkeypatch.setenv("BASTION_EXCHANGE_NCMEC_BASE_URL", base)
        monkeypatch.setenv("BASTION_EXCHANGE_NCMEC_DOWNVOTE_REASON", "False match")
        yield base


def decide(system: Bastion, review: Review, account: str, value: str, kind: str, outcome: str) -> None:
    case_id = case_with_match(review, system, account, value, kind=kind, bank="NCMEC")
    reviewer = Principal("rev-1", Role.REVIEWER, "session")
    system.review.desk.claim(reviewer, case_id)
    system.review.desk.decide(reviewer, case_id, outcome, "SP-1", "reviewed against the listed entry")


def listed(svc: ExchangeService) -> set[str]:
    return {e.value for e in svc.banks.repo.entries("NCMEC")}


def test_ncmec_sync_and_votes_through_a_stand_in(review: Review, ncmec: str, clock: Clock) -> None:
    rng = np.random.default_rng(18)
    a, b, c, d = (random_pdq(rng) for _ in range(4))
    video = "0123456789abcdef" * 2
    NcmecStandIn.entries = [
        NcmecEntry(42, "img-1", T0 + 10, {"pdq": a, "md5": "aa" * 16}),
        NcmecEntry(42, "img-2", T0 + 10, {"pdq": b}),  # three in one second: only paging reaches them all
        NcmecEntry(77, "img-3", T0 + 10, {"pdq": c}),
        NcmecEntry(77, "img-4", T0 + 40, {"pdq": d}),
        NcmecEntry(77, "vid-1", T0 + 50, {"md5": video}, video=True),
    ]
    system = Bastion(store=review.store, services={"review": review})
    svc: ExchangeService = system.service("exchange")
    svc.exchanges.create("NCMEC", "ncmec", {}, by="admin")

    first = svc.exchanges.sync("NCMEC")
    assert first.added == 5 and first.complete
    assert listed(svc) == {a, b, c, d, video}  # an image's MD5 is no video MD5: threatexchange skips it
    assert NcmecStandIn.users == {"bastion-test"}
    assert any("start=2" in r for r in NcmecStandIn.requests)  # the paging URL was followed
    assert svc.exchanges.status("NCMEC")["checkpoint_time"] == int(clock.now) - 5

    # NCMEC deletes img-2 after the first sync: the next one takes it out (by the entry, not the value)
    NcmecStandIn.entries.append(NcmecEntry(42, "img-2", int(clock.now), deleted=True))
    clock.now += 3_600
    second = svc.exchanges.sync("NCMEC")
    assert (second.added, second.deleted) == (0, 1) and listed(svc) == {a, c, d, video}

    decide(system, review, "acct-a", a, "pdq", "violating")
    decide(system, review, "acct-c", c, "pdq", "not_violating")
    decide(system, review, "acct-v", video, "video_md5", "violating")
    assert svc.send_verdicts() == 3
    assert NcmecStandIn.votes == [
        Vote(42, "img-1", "PDQ", "affirmative", ()),
        Vote(77, "img-3", "PDQ", "negative", ("r-false-match",)),
        Vote(77, "vid-1", "MD5", "affirmative", ()),
    ]
    assert listed(svc) == {a, d, video}  # the false positive is out of the list

    # NCMEC updates the entry later: the disabled hash stays out
    NcmecStandIn.entries.append(NcmecEntry(77, "img-3", int(clock.now), {"pdq": c}, classification="B1"))
    clock.now += 3_600
    third = svc.exchanges.sync("NCMEC")
    assert third.skipped == 1 and listed(svc) == {a, d, video}
    system.close()


def test_a_downvote_without_a_chosen_reason_fails_visibly_and_the_hash_is_still_disabled(
    review: Review, ncmec: str, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BASTION_EXCHANGE_NCMEC_DOWNVOTE_REASON")
    value = random_pdq(np.random.default_rng(5))
    NcmecStandIn.entries = [NcmecEntry(42, "img-9", T0 + 10, {"pdq": value})]
    system = Bastion(store=review.store, services={"review": review})
    svc: ExchangeService = system.service("exchange")
    svc.exchanges.create("NCMEC", "ncmec", {}, by="admin")
    svc.exchanges.sync("NCMEC")
    result = svc.feedback.verdict("pdq", value, "false_positive", by="rev-1")
    assert result.sent["NCMEC"].startswith("failed:") and "feedback reason" in result.sent["NCMEC"]
    assert NcmecStandIn.votes == [] and listed(svc) == set() and result.disabled == ["NCMEC"]
    system.close()


def test_a_hash_two_members_list_gets_both_votes_and_leaves_with_the_last_entry(
    review: Review, ncmec: str, clock: Clock
) -> None:
    shared, solo = (random_pdq(np.random.default_rng(s)) for s in (8, 9))
    NcmecStandIn.entries = [
        NcmecEntry(42, "img-1", T0 + 10, {"pdq": shared}),
        NcmecEntry(77, "img-7", T0 + 20, {"pdq": shared}),
        NcmecEntry(77, "img-8", T0 + 30, {"pdq": solo}),
    ]
    system = Bastion(store=review.store, services={"review": review})
    svc: ExchangeService = system.service("exchange")
    svc.exchanges.create("NCMEC", "ncmec", {}, by="admin")
    svc.exchanges.sync("NCMEC")
    assert listed(svc) == {shared, solo}
    svc.feedback.verdict("pdq", shared, "true_positive", by="rev-1")
    assert sorted((v.member_id, v.entry_id) for v in NcmecStandIn.votes) == [(42, "img-1"), (77, "img-7")]

    NcmecStandIn.entries.append(NcmecEntry(42, "img-1", int(clock.now), deleted=True))
    clock.now += 3_600
    assert svc.exchanges.sync("NCMEC").deleted == 0 and listed(svc) == {shared, solo}  # 77 still lists it
    NcmecStandIn.entries.append(NcmecEntry(77, "img-7", int(clock.now), deleted=True))
    clock.now += 3_600
    assert svc.exchanges.sync("NCMEC").deleted == 1 and listed(svc) == {solo}
    system.close()
