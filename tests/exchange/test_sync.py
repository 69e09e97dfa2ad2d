"""Hash exchanges: the file exchange synced in pages with checkpoints that resume, deletions in order, entry
ids kept, feedback (file opinions, a local StopNCII stand-in) and false positives disabled for good."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bastion.exchange import ExchangeService, ExchangeSettings, ResumableFileExchange
from bastion.store import Store
from exchange.standins import StopNCIIStandIn, serve, stopncii_record
from exchange.support import flip_bits, random_pdq

BY = "test-admin"


def service(store: Store, **settings: Any) -> ExchangeService:
    return ExchangeService(store, ExchangeSettings(**settings))


def listed(svc: ExchangeService, bank: str) -> set[str]:
    return {e.value for e in svc.banks.repo.entries(bank)}


def pdqs(n: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    return [random_pdq(rng) for _ in range(n)]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ResumableFileExchange, "page_lines", 10)


def test_file_exchange_fills_its_bank_and_matches(store: Store, tmp_path: Path) -> None:
    svc = service(store)
    values = pdqs(25)
    src = tmp_path / "list.txt"
    src.write_text("".join(f"pdq {v}\n" for v in values))
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by=BY)
    result = svc.exchanges.sync("FILE_X")
    assert (result.added, result.deleted, result.complete) == (25, 0, True)
    assert listed(svc, "FILE_X") == set(values)
    assert svc.matching.lookup("pdq", flip_bits(values[3], 4))["FILE_X"][0]["distance"] == "4"
    status = svc.exchanges.status("FILE_X")
    assert status["success"] and status["fetched"] == 25 and status["checkpoint_time"] > 0
    again = svc.exchanges.sync("FILE_X")  # nothing new past the checkpoint
    assert again.added == 0 and listed(svc, "FILE_X") == set(values)


def test_deletions_apply_in_file_order(store: Store, tmp_path: Path) -> None:
    svc = service(store)
    a, b, c = pdqs(3)
    src = tmp_path / "list.txt"
    src.write_text(f"pdq {a}\n-pdq {a}\npdq {b}\n-pdq {c}\npdq {c}\n")
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by=BY)
    svc.exchanges.sync("FILE_X")
    assert listed(svc, "FILE_X") == {b, c}  # added then deleted: gone; deleted then added: there
    with src.open("a") as f:
        f.write(f"-pdq {b}\n")
    result = svc.exchanges.sync("FILE_X")  # appended: read from the checkpoint on
    assert (result.added, result.deleted) == (0, 1)
    assert listed(svc, "FILE_X") == {c}
    history = {e.value: e.removed_by for e in svc.banks.repo.entries("FILE_X", history=True)}
    assert history[b] == "exchange-sync"


def test_a_sync_that_dies_resumes_from_its_last_checkpoint(
    store: Store, tmp_path: Path, small_pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = service(store)
    values = pdqs(45)
    src = tmp_path / "list.txt"
    src.write_text("".join(f"pdq {v}\n" for v in values))
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by=BY)
    real = svc.exchanges._flush
    calls = {"n": 0}

    def dies_on_third(name: str, pending: list[Any]) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real(name, pending)

    monkeypatch.setattr(svc.exchanges, "_flush", dies_on_third)
    with pytest.raises(RuntimeError):
        svc.exchanges.sync("FILE_X")
    assert len(listed(svc, "FILE_X")) == 20 and svc.exchanges.status("FILE_X")["success"] is False
    monkeypatch.setattr(svc.exchanges, "_flush", real)
    resumed = svc.exchanges.sync("FILE_X")
    assert resumed.added == 25 and resumed.deltas == 3  # pages 3, 4, 5: not the first two again
    assert listed(svc, "FILE_X") == set(values)
    assert svc.exchanges.status("FILE_X")["success"] is True


def test_a_rewritten_file_is_read_again_from_the_start(store: Store, tmp_path: Path) -> None:
    svc = service(store)
    first, second = pdqs(2)
    src = tmp_path / "list.txt"
    src.write_text(f"pdq {first}\n")
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by=BY)
    svc.exchanges.sync("FILE_X")
    src.write_text(f"pdq {second}\n")  # same size, new content
    assert svc.exchanges.sync("FILE_X").added == 1
    assert listed(svc, "FILE_X") == {first, second}


def test_false_positive_feedback_goes_to_the_file_and_disables_the_hash(store: Store, tmp_path: Path) -> None:
    svc = service(store)
    good, bad = pdqs(2)
    src = tmp_path / "list.txt"
    src.write_text(f"pdq {good}\npdq {bad}\n")
    svc.exchanges.create("FILE_X", "local_file", {"filename": str(src)}, by=BY)
    svc.exchanges.sync("FILE_X")
    result = svc.feedback.verdict("pdq", bad, "false_positive", by="reviewer-1")
    assert result.sent == {"FILE_X": "sent"} and result.disabled == ["FILE_X"]
    assert (tmp_path / "list.txt.opinions").read_text() == f"pdq {bad} negative_class\n"
    assert svc.matching.lookup("pdq", bad) == {}
    src.write_text(f"pdq {bad}\npdq {good}\n")  # the exchange still lists it: a resync must not re-add
    svc.exchanges.sync("FILE_X")
    assert listed(svc, "FILE_X") == {good}
    ok = svc.feedback.verdict("pdq", good, "true_positive", by="reviewer-1")
    assert ok.disabled == [] and listed(svc, "FILE_X") == {good}
    assert (tmp_path / "list.txt.opinions").read_text().endswith(f"pdq {good} positive_class\n")


@pytest.fixture
def stopncii() -> Iterator[str]:
    StopNCIIStandIn.pages, StopNCIIStandIn.feedback, StopNCIIStandIn.keys = [], [], []
    StopNCIIStandIn.fetches = []
    with serve(StopNCIIStandIn) as url:
        yield url


def record(value: str, kind: str = "ImagePDQ", status: str = "Active") -> dict[str, Any]:
    return stopncii_record(value, kind, status)


def test_stopncii_stand_in_sync_and_feedback(store: Store, stopncii: str) -> None:
    a, b, c = pdqs(3)
    StopNCIIStandIn.pages = [
        {"count": 2, "nextPageToken": "1", "nextSetTimestamp": 1_700_000_000, "hasMoreRecords": True,
         "hashRecords": [record(a), record(b)]},
        {"count": 2, "nextPageToken": None, "nextSetTimestamp": 1_700_000_100, "hasMoreRecords": False,
         "hashRecords": [record(c), record("ab" * 16, "VideoMD5")]},
    ]  # fmt: skip
    StopNCIIStandIn.feedback = []
    svc = service(
        store,
        stopncii_subscription_key="sub-key",
        stopncii_fetch_key="fetch-key",
        stopncii_feedback_key="feedback-key",
        stopncii_base_url=stopncii,
    )
    assert svc.exchanges.credentials_status("stop_ncii") == {
        "supports_authentification": True,
        "has_set_authentification": True,
    }
    svc.exchanges.create("STOPNCII", "stop_ncii", {}, by=BY)
    result = svc.exchanges.sync("STOPNCII")
    assert result.added == 4 and result.deltas == 2
    assert listed(svc, "STOPNCII") == {a, b, c, "ab" * 16}
    assert StopNCIIStandIn.keys[0]["x-functions-key"] == "fetch-key"
    assert svc.exchanges.status("STOPNCII")["checkpoint_time"] == 1_700_000_100

    svc.feedback.verdict("pdq", a, "true_positive", by="reviewer-1")
    verdict = svc.feedback.verdict("pdq", b, "false_positive", by="reviewer-1")
    assert verdict.sent == {"STOPNCII": "sent"} and verdict.disabled == ["STOPNCII"]
    sent = [(f["hashFeedbacks"][0]["hashValue"], f["hashFeedbacks"][0]["feedbackValue"])
            for f in StopNCIIStandIn.feedback]  # fmt: skip
    assert sent == [(a, "Blocked"), (b, "NotBlocked")]
    assert listed(svc, "STOPNCII") == {a, c, "ab" * 16}


def test_credentials_come_from_settings_and_ncmec_defaults_to_its_test_environment(store: Store) -> None:
    assert ExchangeSettings().ncmec_environment.startswith("test_")
    bare = service(store)
    assert bare.exchanges.credentials_status("ncmec")["has_set_authentification"] is False
    configured = service(store, ncmec_user="u", ncmec_password="p")
    assert configured.exchanges.credentials_status("ncmec")["has_set_authentification"] is True
    configured.exchanges.create("NCMEC_DEFAULT", "ncmec", {}, by=BY)
    api = configured.exchanges.api("NCMEC_DEFAULT")
    assert api.collab.environment.name == "test_Exploitative"  # type: ignore[attr-defined]
    configured.exchanges.create("NCMEC_NAMED", "ncmec", {"environment": "test_Industry_Exploitative"}, by=BY)
    assert "exttest" in configured.exchanges.config("NCMEC_NAMED")["environment"]


def test_values_the_sync_takes_as_they_are_are_what_validation_returns() -> None:
    from bastion.exchange.sync import CANONICAL
    from bastion.media import normalise

    rng = np.random.default_rng(3)
    for kind, pattern in CANONICAL.items():
        width = 32 if kind == "video_md5" else 64
        for _ in range(50):
            value = bytes(rng.integers(0, 256, width // 2, dtype=np.uint8)).hex()
            assert pattern.fullmatch(value) and normalise(kind, value) == value
        assert not pattern.fullmatch(value.upper())


def test_lookups_on_many_threads_while_the_bank_changes(store: Store) -> None:
    svc = service(store)
    svc.banks.create("BANK_A", 1.0, by=BY)
    values = pdqs(40, seed=11)
    errors: list[BaseException] = []
    seen: list[int] = []

    def look() -> None:
        try:
            for v in values * 2:
                seen.append(len(svc.matching.lookup("pdq", v)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=look) for _ in range(4)]
    for t in threads:
        t.start()
    for v in values:
        svc.banks.add_content("BANK_A", {"pdq": v}, by=BY)
    for t in threads:
        t.join(60)
    assert errors == [] and len(seen) == 4 * 80
    assert all(svc.matching.lookup("pdq", v) for v in values)
