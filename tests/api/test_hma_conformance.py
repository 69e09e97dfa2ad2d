"""Conformance with HMA 2.0 (OpenMediaMatch): the requests and answers its blueprints document and its own
API tests check (``/status``, ``/c/banks``, bank update and delete, banking by upload, raw lookup, lookup,
compare, index status, signal and content types, exchanges), sent as an HMA client sends them, with a
Bastion token. Pictures are synthetic shapes; hashes are compared as HMA answers them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.review import Review
from exchange.support import Hma, flip_bits, hma_client, png


@pytest.fixture
def hma(review: Review) -> Iterator[Hma]:
    with hma_client(review) as h:
        yield h


def photo(seed: int) -> dict[str, tuple[str, bytes, str]]:
    return {"photo": (f"p{seed}.png", png(seed), "image/png")}


def test_status_is_public_plain_text(hma: Hma) -> None:
    answer = hma.client.get("/status")
    assert answer.status_code == 200 and answer.text == "I-AM-ALIVE"


def test_banks_create_validates_names_and_lists(hma: Hma) -> None:
    c, lead = hma.client, hma.lead
    assert c.get("/c/banks", headers=lead).json() == []
    assert c.post("/c/banks", json={"name": "01_TEST_BANK"}, headers=lead).status_code == 400
    assert c.post("/c/banks", json={"name": "my_test_bank"}, headers=lead).status_code == 400
    made = c.post("/c/banks", json={"name": "MY_TEST_BANK_01"}, headers=lead)
    assert made.status_code == 201
    assert made.json() == {"matching_enabled_ratio": 1.0, "name": "MY_TEST_BANK_01"}
    assert c.get("/c/banks", headers=lead).json() == [made.json()]
    again = c.post("/c/banks", json={"name": "MY_TEST_BANK_01"}, headers=lead)
    assert again.status_code == 403 and "message" in again.json()


def test_banks_update_rename_enable_and_ratio(hma: Hma) -> None:
    c, lead = hma.client, hma.lead
    assert c.post("/c/banks", json={"name": "MY_TEST_BANK"}, headers=lead).status_code == 201
    assert c.put("/c/bank/MY_TEST_BANK", json={"name": "1_invalid_name"}, headers=lead).status_code == 400
    renamed = c.put("/c/bank/MY_TEST_BANK", json={"name": "MY_TEST_BANK_RENAMED"}, headers=lead)
    assert renamed.status_code == 200 and renamed.json()["name"] == "MY_TEST_BANK_RENAMED"
    off = c.put("/c/bank/MY_TEST_BANK_RENAMED", json={"enabled": False}, headers=lead)
    assert off.status_code == 200 and off.json()["matching_enabled_ratio"] == 0
    half = c.put("/c/bank/MY_TEST_BANK_RENAMED", json={"enabled_ratio": 0.5}, headers=lead)
    assert half.status_code == 200 and half.json()["matching_enabled_ratio"] == 0.5
    assert c.get("/c/banks", headers=lead).json() == [
        {"name": "MY_TEST_BANK_RENAMED", "matching_enabled_ratio": 0.5}
    ]
    assert c.get("/c/bank/MY_TEST_BANK", headers=lead).status_code == 404


def test_banks_delete_twice_succeeds(hma: Hma) -> None:
    c, lead = hma.client, hma.lead
    assert c.post("/c/banks", json={"name": "MY_TEST_BANK"}, headers=lead).status_code == 201
    assert c.delete("/c/bank/MY_TEST_BANK", headers=lead).status_code == 200
    assert c.delete("/c/bank/MY_TEST_BANK", headers=lead).status_code == 200
    assert c.get("/c/banks", headers=lead).json() == []


def test_hash_upload_answers_the_pdq_of_a_photo(hma: Hma) -> None:
    answer = hma.client.post("/h/hash", files=photo(1), headers=hma.platform)
    assert answer.status_code == 200
    assert set(answer.json()) == {"pdq"} and len(answer.json()["pdq"]) == 64
    assert hma.client.post("/h/hash", files={"sound": ("a.wav", b"x", "audio/wav")},
                           headers=hma.platform).status_code == 400  # fmt: skip
    assert hma.client.get("/h/hash", headers=hma.platform).json() == {"message": "url is required"}


def test_bank_content_by_upload_then_lookups_and_delete(hma: Hma) -> None:
    c, lead, plat = hma.client, hma.lead, hma.platform
    c.post("/c/banks", json={"name": "NEW_BANK"}, headers=lead)
    added = c.post("/c/bank/NEW_BANK/content", files=photo(2), headers=lead)
    assert added.status_code == 200, added.text
    body = added.json()
    assert set(body) == {"id", "signals"} and set(body["signals"]) == {"pdq"}
    pdq, cid = body["signals"]["pdq"], body["id"]

    raw = c.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq}, headers=plat)
    assert raw.status_code == 200 and raw.json() == {"matches": [cid]}
    near = flip_bits(pdq, 6)
    with_distance = c.get(
        "/m/raw_lookup",
        params={"signal_type": "pdq", "signal": near, "include_distance": "true"},
        headers=plat,
    )
    assert with_distance.json() == {"matches": [{"bank_content_id": cid, "distance": "6"}]}
    looked = c.get("/m/lookup", params={"signal_type": "pdq", "signal": near}, headers=plat)
    assert looked.json() == {"NEW_BANK": [{"bank_content_id": cid, "distance": "6"}]}
    by_upload = c.post("/m/lookup", files=photo(2), headers=plat)
    assert by_upload.json() == {"pdq": {"NEW_BANK": [{"bank_content_id": cid, "distance": "0"}]}}
    assert c.post("/m/lookup", files=photo(3), headers=plat).json() == {"pdq": {}}

    shown = c.get(f"/c/bank/NEW_BANK/content/{cid}", params={"include_signals": "true"}, headers=lead).json()
    assert shown["id"] == cid and shown["disable_until_ts"] == 0 and shown["signals"] == {"pdq": pdq}
    assert shown["bank"] == {"name": "NEW_BANK", "matching_enabled_ratio": 1.0}

    deleted = c.delete(f"/c/bank/NEW_BANK/content/{cid}", headers=lead)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 1}
    assert c.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq}, headers=plat).json() == {
        "matches": []
    }


def test_bank_add_metadata_is_validated(hma: Hma) -> None:
    c, lead = hma.client, hma.lead
    c.post("/c/banks", json={"name": "NEW_BANK"}, headers=lead)
    sig = {"pdq": flip_bits("f" * 64, 100)}
    first = c.post("/c/bank/NEW_BANK/signal", json=sig, headers=lead)
    assert first.status_code == 200, first.text
    assert c.post("/c/bank/NEW_BANK/signal", json={"pdq": "nope"}, headers=lead).status_code == 400
    assert c.post("/c/bank/NEW_BANK/signal", json={"tmk": "x"}, headers=lead).status_code == 400
    assert c.post("/c/bank/NOPE/signal", json=sig, headers=lead).status_code == 404


def test_disabled_content_and_banks_under_the_coin_flip_do_not_match(hma: Hma) -> None:
    c, lead, plat = hma.client, hma.lead, hma.platform
    c.post("/c/banks", json={"name": "BANK_A"}, headers=lead)
    pdq = flip_bits("0" * 64, 90)
    cid = c.post("/c/bank/BANK_A/signal", json={"pdq": pdq}, headers=lead).json()["id"]
    q = {"signal_type": "pdq", "signal": pdq}
    c.put("/c/bank/BANK_A", json={"enabled": False}, headers=lead)
    assert c.get("/m/lookup", params=q, headers=plat).json() == {}
    assert c.get("/m/lookup", params={**q, "bypass_coinflip": "true"}, headers=plat).json() == {
        "BANK_A": [{"bank_content_id": cid, "distance": "0"}]
    }
    c.put("/c/bank/BANK_A", json={"enabled": True}, headers=lead)
    later = int(time.time()) + 30 * 86400
    too_late = later + 6 * 365 * 86400
    assert (
        c.put(f"/c/bank/BANK_A/content/{cid}", json={"disable_until_ts": too_late}, headers=lead).status_code
        == 400
    )
    answer = c.put(f"/c/bank/BANK_A/content/{cid}", json={"disable_until_ts": later}, headers=lead)
    assert answer.status_code == 200 and answer.json()["disable_until_ts"] == later
    assert c.get("/m/lookup", params=q, headers=plat).json() == {}
    c.put(f"/c/bank/BANK_A/content/{cid}", json={"disable_until_ts": 0}, headers=lead)
    assert list(c.get("/m/lookup", params=q, headers=plat).json()) == ["BANK_A"]


def test_negative_banks_are_applied_before_answering(hma: Hma) -> None:
    c, lead, plat = hma.client, hma.lead, hma.platform
    c.post("/c/banks", json={"name": "BANK_A"}, headers=lead)
    pdq = flip_bits("0" * 64, 80)
    c.post("/c/bank/BANK_A/signal", json={"pdq": pdq}, headers=lead)
    hma.service.banks.repo.ensure_list("KNOWN_GOOD", by="lead", negative=True)
    hma.service.banks.repo.add("pdq", flip_bits(pdq, 3), "KNOWN_GOOD", by="lead")
    q = {"signal_type": "pdq", "signal": pdq}
    assert c.get("/m/lookup", params=q, headers=plat).json() == {}
    assert c.get("/m/raw_lookup", params=q, headers=plat).json() == {"matches": []}


def test_compare_index_status_signal_and_content_types(hma: Hma) -> None:
    c, lead, plat = hma.client, hma.lead, hma.platform
    a = flip_bits("0" * 64, 70)
    same = c.post("/m/compare", json={"pdq": [a, flip_bits(a, 9)]}, headers=plat)
    assert same.status_code == 200 and same.json() == {"pdq": [True, {"distance": 9}]}
    assert c.post("/m/compare", json={"pdq": [a, flip_bits(a, 200)]}, headers=plat).json()["pdq"][0] is False
    assert c.post("/m/compare", json={"pdq": [a]}, headers=plat).status_code == 400
    assert c.post("/m/compare", json=[a], headers=plat).status_code == 400

    c.post("/c/banks", json={"name": "BANK_A"}, headers=lead)
    c.post("/c/bank/BANK_A/signal", json={"pdq": a}, headers=lead)
    status = c.get("/m/index/status", headers=plat).json()
    assert status["pdq"]["present"] is True and status["pdq"]["size"] == 1 and status["pdq"]["built_to"] > 0
    assert status["video_md5"] == {"present": True, "built_to": -1, "size": 0}
    assert c.get("/m/index/status", params={"signal_type": "nope"}, headers=plat).status_code == 400

    types = c.get("/c/signal_type", headers=lead).json()
    assert {"name": "pdq", "enabled_ratio": 1.0} in types
    assert c.get("/c/content_type", headers=lead).json() == [
        {"name": "photo", "enabled": True},
        {"name": "video", "enabled": True},
    ]
    assert c.put("/c/signal_type/pdq", json={"enabled_ratio": 0.0}, headers=hma.admin).status_code == 200
    off = c.get("/m/lookup", params={"signal_type": "pdq", "signal": a}, headers=plat)
    assert off.status_code == 400 and off.json() == {"message": "SignalType 'pdq' is not enabled"}


def test_exchanges_curation(hma: Hma, tmp_path: Path) -> None:
    c, admin = hma.client, hma.admin
    apis = c.get("/c/exchanges/apis", headers=admin).json()
    assert {"local_file", "ncmec", "stop_ncii", "fb_threatexchange"} <= set(apis)
    assert c.get("/c/exchanges/api/local_file", headers=admin).json() == {
        "supports_authentification": False,
        "has_set_authentification": False,
    }
    assert c.get("/c/exchanges/api/ncmec", headers=admin).json() == {
        "supports_authentification": True,
        "has_set_authentification": False,
    }
    listed = tmp_path / "list.txt"
    listed.write_text(f"pdq {flip_bits('0' * 64, 60)}\n")
    body = {"bank": "FILE_EXCHANGE", "api": "local_file", "api_json": {"filename": str(listed)}}
    assert c.post("/c/exchanges", json={**body, "bank": "lower"}, headers=admin).status_code == 400
    made = c.post("/c/exchanges", json=body, headers=admin)
    assert made.status_code == 201 and made.json() == {"message": "Created successfully"}
    assert c.get("/c/exchanges", headers=admin).json() == ["FILE_EXCHANGE"]
    shown = c.get("/c/exchange/FILE_EXCHANGE", headers=admin).json()
    assert shown["name"] == "FILE_EXCHANGE" and shown["api"] == "local_file" and shown["enabled"] is True
    status = c.get("/c/exchange/FILE_EXCHANGE/status", headers=admin).json()
    assert status["success"] is True and status["last_fetch_time"] == 0
    assert (
        c.put("/c/exchange/FILE_EXCHANGE", json={"enabled": False}, headers=admin).json()["enabled"] is False
    )
    assert c.delete("/c/exchange/FILE_EXCHANGE", headers=admin).json() == {"message": "Exchange deleted"}
    assert c.get("/c/exchange/FILE_EXCHANGE", headers=admin).status_code == 404


def test_tokens_decide_who_may_call(hma: Hma) -> None:
    c = hma.client
    q = {"signal_type": "pdq", "signal": "0" * 64}
    assert c.get("/m/lookup", params=q).status_code == 401
    assert c.get("/m/lookup", params=q, headers=hma.platform).status_code == 200
    assert c.get("/c/banks", headers=hma.platform).status_code == 403
    assert c.post("/c/banks", json={"name": "X"}, headers=hma.reviewer).status_code == 403
    assert c.post("/c/exchanges", json={}, headers=hma.lead).status_code == 403
