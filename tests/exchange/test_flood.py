"""Flood protection: a listed hash that suddenly matches far more items than its history is quarantined in
the same minute (no lookup answers it, no sync re-adds it), raises an alert and a case, and comes back only
when a lead releases it."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bastion.core.model import EntityType, Signal
from bastion.exchange import ExchangeService, ExchangeSettings
from bastion.review import Review
from bastion.store import Store
from bastion.store.tables import reports
from bastion.store.tables_exchange import exchange_match_counts
from bastion.store.tables_review import review_cases
from exchange.support import Hma, flip_bits, hma_client

COMMON = flip_bits("0" * 64, 77)  # the "common image" that slipped into a list
RARE = flip_bits("f" * 64, 40)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def hma(review: Review) -> Iterator[Hma]:
    with hma_client(review) as h:
        yield h


def seed_bank(svc: ExchangeService) -> tuple[int, int]:
    svc.banks.create("KNOWN_BAD", 1.0, by="lead")
    common, _ = svc.banks.add_content("KNOWN_BAD", {"pdq": COMMON}, by="lead")
    rare, _ = svc.banks.add_content("KNOWN_BAD", {"pdq": RARE}, by="lead")
    return common, rare


def with_history(svc: ExchangeService, clock: Clock, entry_id: int, per_minute: int, minutes: int) -> None:
    """Matches the hash had before now: ``per_minute`` in each of the last ``minutes``."""
    now = int(clock.now // 60)
    rows = [{"entry_id": entry_id, "minute": now - m, "n": per_minute} for m in range(minutes, 0, -1)]
    with svc.store.engine.begin() as conn:
        conn.execute(insert(exchange_match_counts), rows)


def test_a_surge_quarantines_the_hash_within_the_minute_with_an_alert_and_a_case(
    hma: Hma, review: Review, caplog: pytest.LogCaptureFixture
) -> None:
    svc = hma.service
    clock = Clock()
    svc.flood.clock = clock
    common, _ = seed_bank(svc)
    with_history(svc, clock, common, per_minute=1, minutes=120)
    q = {"signal_type": "pdq", "signal": COMMON}
    answers = []
    with caplog.at_level(logging.ERROR, logger="bastion.exchange.flood"):
        for _ in range(80):
            clock.now += 0.5  # 80 uploads in 40 seconds
            answers.append(hma.client.get("/m/lookup", params=q, headers=hma.platform).json())
    fired = next(i for i, a in enumerate(answers) if a == {})
    assert 50 <= fired <= 52  # the lookup after the one that crossed the line finds nothing
    assert all(a == {} for a in answers[fired:])
    [flood] = svc.flood.floods()
    assert (flood.entry_id, flood.status, flood.list_name) == (common, "quarantined", "KNOWN_BAD")
    assert flood.baseline == pytest.approx(1.0) and flood.window_matches >= 50
    assert "ALERT hash flood" in caplog.text
    # the rare hash of the same list is untouched
    assert list(hma.client.get("/m/lookup", params={**q, "signal": RARE}, headers=hma.platform).json()) == [
        "KNOWN_BAD"
    ]
    # a case for review, on the platform whose lookups surged
    with review.engine.connect() as conn:
        filed = conn.execute(select(reports).where(reports.c.reporter_id == "flood-guard")).one()
    assert filed.platform == "alphaleaf" and filed.target_id == f"hash-flood:{flood.flood_id}"
    review.triage()
    with review.engine.connect() as conn:
        cases = conn.execute(select(review_cases).where(review_cases.c.platform == "alphaleaf")).all()
    assert len(cases) == 1
    listed = hma.client.get("/v1/exchange/floods", headers=hma.lead).json()
    assert listed["floods"][0]["status"] == "quarantined" and listed["alerts"][0]["event"] == "hash_flood"


def test_a_hash_that_always_matches_this_much_is_not_a_flood(store: Store) -> None:
    svc = ExchangeService(store, ExchangeSettings())
    clock = Clock()
    svc.flood.clock = clock
    common, _ = seed_bank(svc)
    with_history(svc, clock, common, per_minute=100, minutes=60)
    assert svc.flood.count(Counter({common: 120})) == []  # 1.2x its usual rate
    assert svc.matching.lookup("pdq", COMMON) != {}
    assert svc.flood.count(Counter({common: 30})) == []  # below the minimum, whatever the history


def test_only_a_lead_decides_release_brings_it_back_and_confirm_keeps_it_out(
    hma: Hma, tmp_path: Path
) -> None:
    svc = hma.service
    clock = Clock()
    svc.flood.clock = clock
    common, _ = seed_bank(svc)
    [flood] = svc.flood.count(Counter({common: 60}), "alphaleaf")
    q = {"signal_type": "pdq", "signal": COMMON}
    assert hma.client.get("/m/lookup", params=q, headers=hma.platform).json() == {}
    body = {"decision": "release", "reason": "a real wave of re-uploads"}
    url = f"/v1/exchange/floods/{flood.flood_id}/decision"
    assert hma.client.post(url, json=body, headers=hma.reviewer).status_code == 403
    assert hma.client.post(url, json=body, headers=hma.platform).status_code == 403
    released = hma.client.post(url, json=body, headers=hma.lead)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert list(hma.client.get("/m/lookup", params=q, headers=hma.platform).json()) == ["KNOWN_BAD"]
    assert hma.client.post(url, json=body, headers=hma.lead).status_code == 409  # decided once

    clock.now += 3600
    new_entry = svc.banks.repo.entries("KNOWN_BAD")[-1].entry_id
    [again] = svc.flood.count(Counter({new_entry: 70}), "alphaleaf")
    confirm = {"decision": "confirm", "reason": "a stock picture, not abuse"}
    answer = hma.client.post(f"/v1/exchange/floods/{again.flood_id}/decision", json=confirm, headers=hma.lead)
    assert answer.json()["status"] == "confirmed"
    assert hma.client.get("/m/lookup", params=q, headers=hma.platform).json() == {}


def test_a_quarantined_hash_is_not_re_added_by_its_exchange(store: Store, tmp_path: Path) -> None:
    svc = ExchangeService(store, ExchangeSettings())
    src = tmp_path / "list.txt"
    src.write_text(f"pdq {COMMON}\npdq {RARE}\n")
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by="admin")
    svc.exchanges.sync("FILE_X")
    entry = next(e.entry_id for e in svc.banks.repo.entries("FILE_X") if e.value == COMMON)
    assert svc.flood.count(Counter({entry: 500}))
    src.write_text(f"pdq {RARE}\npdq {COMMON}\n")  # rewritten: read again from the start
    svc.exchanges.sync("FILE_X")
    assert {e.value for e in svc.banks.repo.entries("FILE_X")} == {RARE}


def test_the_sweep_catches_a_surge_in_stored_scan_matches(store: Store) -> None:
    svc = ExchangeService(store, ExchangeSettings())
    common, _ = seed_bank(svc)

    def matches(n: int, start: int = 0) -> list[Signal]:
        return [
            Signal("alphaleaf", EntityType.POST, f"p{i}", "hash_match", "media", 1.0,
                   {"entry_id": common, "list": "KNOWN_BAD"}, f"KNOWN_BAD:{common}:p{i}:m")
            for i in range(start, start + n)
        ]  # fmt: skip

    store.signals.replace("media", "hash_match", "alphaleaf", matches(3))
    assert svc.flood.sweep() == []
    t0 = time.monotonic()
    store.signals.replace("media", "hash_match", "alphaleaf", matches(300))
    [flood] = svc.flood.sweep()
    assert flood.entry_id == common and flood.window_matches == 300
    assert time.monotonic() - t0 < 60
    assert svc.flood.sweep() == []  # counted once


def test_the_sweep_prunes_counts_older_than_the_history_a_check_reads(store: Store) -> None:
    svc = ExchangeService(store, ExchangeSettings(flood_history_minutes=60))
    clock = Clock()
    svc.flood.clock = clock
    common, rare = seed_bank(svc)
    with_history(svc, clock, common, per_minute=2, minutes=90)  # 30 minutes more than a check reads
    with_history(svc, clock, rare, per_minute=1, minutes=200)
    with svc.store.engine.begin() as conn:  # the sweep's snapshot of stored scan matches is no minute
        conn.execute(insert(exchange_match_counts), [{"entry_id": rare, "minute": -1, "n": 7}])

    def minutes(entry: int) -> list[int]:
        with svc.store.engine.connect() as conn:
            query = select(exchange_match_counts.c.minute).where(exchange_match_counts.c.entry_id == entry)
            return sorted(conn.execute(query).scalars())

    now = int(clock.now // 60)
    assert svc.flood.sweep() == []
    assert minutes(common) == list(range(now - 60, now))  # the 60 minutes before the current one
    assert minutes(rare) == [-1, *range(now - 60, now)]
    assert svc.flood.prune() == 0  # nothing older left
    clock.now += 60 * 5
    svc.flood.sweep()
    assert minutes(common)[0] == now - 55  # the history slides with the clock
    # what is left is what a check reads: its usual rate is still 2 a minute
    [flood] = svc.flood.count(Counter({common: 150}))
    assert flood.baseline == pytest.approx(2 * 55 / 60)
