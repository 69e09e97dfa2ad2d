"""Banks (import/export, history, thresholds, negative lists) and the matcher's answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.core.errors import InputError, NotFound
from bastion.media.banks import MD5, PDQ, SHA256, Bank, HashList
from bastion.media.matcher import Matcher
from bastion.media.pdq_words import hex_to_words, words_to_hex

BASE = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def _flip(h: str, n: int) -> str:
    w = hex_to_words([h])
    bits = w.view("u1")
    for i in range(n):
        bits[0, i] ^= 1  # one bit in each of the first n bytes
    return words_to_hex(w)[0]


def test_csv_json_round_trip_and_errors(tmp_path: Path) -> None:
    csv_file = tmp_path / "bank.csv"
    csv_file.write_text(
        "type,value,list,tags,note\n"
        f"pdq,{BASE.upper()},demo,bluefinch;tidelamp,first\n"
        f"video_md5,{'a' * 32},demo,,\n"
    )
    bank = Bank()
    assert bank.import_file(csv_file) == [0, 1]
    assert bank.entries[0].value == BASE and bank.entries[0].tags == ("bluefinch", "tidelamp")
    again = Bank()
    (tmp_path / "bank.json").write_text(bank.export_json())
    again.import_file(tmp_path / "bank.json")
    assert again.export_csv() == bank.export_csv()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"type,value,list\npdq,{BASE},demo\npdq,nothex,demo\n")
    with pytest.raises(InputError) as err:
        Bank().import_file(bad)
    assert err.value.line == 3 and err.value.field == "value" and "bad.csv" in str(err.value)
    with pytest.raises(InputError, match="unknown signal type"):
        Bank().add("sha1", "00", "x")


def test_thresholds_negative_lists_quality_and_history() -> None:
    bank = Bank()
    bank.add_list(HashList("strict", threshold=4))
    bank.add_list(HashList("falsepos", negative=True))
    m = Matcher(bank)
    strict_id = m.add(PDQ, BASE, "strict", tags=["marblecrow"])
    loose_id = m.add(PDQ, _flip(BASE, 20), "demo")
    res = m.match(pdq=_flip(BASE, 3), quality=90)
    assert [(x.list_name, x.distance) for x in res.matches] == [("strict", 3), ("demo", 17)]
    assert res.matches[0].tags == ("marblecrow",) and res.quality == 90
    assert [x.list_name for x in m.match(pdq=_flip(BASE, 6), quality=90).matches] == ["demo"]

    low = m.match(pdq=BASE, quality=30)
    assert not low.matched and low.pdq_skipped is not None and "30" in low.pdq_skipped

    neg_id = m.add(PDQ, _flip(BASE, 2), "falsepos", note="known benign")
    res = m.match(pdq=BASE, quality=90)
    assert not res.matched
    assert {x.entry_id for x in res.suppressed} == {strict_id, loose_id}
    assert [x.entry_id for x in res.negatives] == [neg_id]

    m.remove(neg_id)
    m.remove(strict_id)
    res = m.match(pdq=BASE, quality=90)
    assert [x.entry_id for x in res.matches] == [loose_id]
    assert bank.entries[strict_id].removed_version is not None  # history kept
    with pytest.raises(NotFound):
        m.remove(strict_id)
    assert Matcher(bank).match(pdq=BASE, quality=90).matches[0].entry_id == loose_id  # rebuilt from bank


def test_exact_hashes() -> None:
    m = Matcher()
    md5_id = m.add(MD5, "B" * 32, "demo")
    sha_id = m.add(SHA256, "c" * 64, "demo")
    res = m.match(md5="b" * 32, sha256="c" * 64)
    assert sorted(x.entry_id for x in res.matches) == [md5_id, sha_id]
    assert all(x.distance == 0 for x in res.matches)
    m.remove(md5_id)
    assert [x.entry_id for x in m.match(md5="b" * 32).matches] == []
    assert json.dumps(res.matches[0].as_json())


def test_match_file_reports_list_entry_tags(tmp_path: Path, shapes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.png"
    shapes(11).save(path)
    m = Matcher()
    from bastion.media.hashing import hash_file

    h = hash_file(path)
    m.add(PDQ, h.pdq or "", "demo", tags=["tidelamp"])
    res = m.match_file(path)
    assert res.matched and res.matches[0].distance == 0 and res.matches[0].tags == ("tidelamp",)
    assert res.quality == h.quality
