"""Hash lists in the database: versioned entries, immediate add/remove, index reload plus catch-up."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bastion.core.errors import InputError, NotFound
from bastion.media.banks import MD5, PDQ, Bank
from bastion.media.pdq_words import hex_to_words, words_to_hex
from bastion.media.repository import BankRepository, default_index_dir
from bastion.store import Store

BASE = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
OTHER = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f"
THIRD = "a5" * 32


def flip(h: str, n: int) -> str:
    w = hex_to_words([h])
    bits = w.view("u1")
    for i in range(n):
        bits[0, i] ^= 1
    return words_to_hex(w)[0]


def test_add_remove_take_effect_at_once_and_keep_history(store: Store, tmp_path: Path) -> None:
    repo = BankRepository(store, tmp_path / "idx")
    matcher = repo.matcher  # loaded before the changes: they must reach it without a reload
    entry = repo.add(PDQ, BASE, "known", by="ana", tags=["tidelamp"], note="first")
    repo.add("md5", "a" * 32, "known", by="ana")  # short alias stored under threatexchange's name
    hit = matcher.match(pdq=flip(BASE, 5), quality=90)
    assert [(m.entry_id, m.distance, m.tags) for m in hit.matches] == [(entry, 5, ("tidelamp",))]
    assert matcher.match(md5="A" * 32).matches[0].entry.signal_type == MD5
    with pytest.raises(InputError, match="already"):
        repo.add(PDQ, BASE, "known", by="ana")
    assert repo.remove("known", BASE, by="bo") == [entry]
    assert not matcher.match(pdq=BASE, quality=90).matched
    with pytest.raises(NotFound):
        repo.remove("known", BASE, by="bo")
    history = repo.entries("known", history=True)
    gone = next(e for e in history if e.entry_id == entry)
    assert (gone.added_by, gone.removed_by) == ("ana", "bo") and gone.removed_at is not None
    assert [e.signal_type for e in repo.entries("known")] == [MD5]
    (info,) = repo.lists()
    assert (info.name, info.entries, info.threshold, info.negative) == ("known", 1, 31, False)


def test_thresholds_and_negative_lists_from_the_database(store: Store) -> None:
    repo = BankRepository(store, None)
    repo.ensure_list("strict", by="ana", threshold=4)
    repo.ensure_list("fp", by="ana", negative=True)
    repo.add(PDQ, BASE, "strict", by="ana")
    assert repo.matcher.match(pdq=flip(BASE, 3), quality=90).matched
    assert not repo.matcher.match(pdq=flip(BASE, 6), quality=90).matched
    repo.ensure_list("strict", by="ana", threshold=8)  # a threshold change is live after the next refresh
    repo.refresh()
    assert repo.matcher.match(pdq=flip(BASE, 6), quality=90).matched
    repo.add(PDQ, flip(BASE, 2), "fp", by="ana")
    res = repo.matcher.match(pdq=flip(BASE, 3), quality=90)
    assert not res.matched and res.suppressed[0].list_name == "strict" and res.negatives[0].list_name == "fp"


def test_reload_from_disk_catches_up_instead_of_rebuilding(store: Store, tmp_path: Path) -> None:
    first = BankRepository(store, tmp_path / "idx")
    a = first.add(PDQ, BASE, "known", by="ana")
    first.add(PDQ, OTHER, "known", by="ana")
    assert first.save() == tmp_path / "idx"
    saved_version = first.version
    # changes made after the save, by another process (a second repository on the same database)
    other = BankRepository(store, tmp_path / "elsewhere")
    other.remove("known", BASE, by="bo")
    c = other.add(PDQ, THIRD, "known", by="bo")
    again = BankRepository(store, tmp_path / "idx")
    m = again.matcher
    assert again.reloaded and again.version > saved_version
    assert not m.match(pdq=BASE, quality=90).matched  # removal replayed
    assert m.match(pdq=THIRD, quality=90).matches[0].entry_id == c  # add replayed
    assert m.match(pdq=OTHER, quality=90).matched  # from the saved index
    assert a not in {x.entry_id for x in m.match(pdq=BASE, quality=90).suppressed}
    assert again.refresh() == 0  # idempotent: nothing new


def test_index_of_another_database_is_not_trusted(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'one.db'}") as one, Store(f"sqlite:///{tmp_path / 'two.db'}") as two:
        assert default_index_dir(one) == tmp_path / "bastion-index"
        r1 = BankRepository(one, tmp_path / "idx")
        r1.add(PDQ, BASE, "known", by="ana")
        r1.save()
        r2 = BankRepository(two, tmp_path / "idx")
        assert not r2.matcher.match(pdq=BASE, quality=90).matched and not r2.reloaded


def test_index_saved_in_an_older_format_is_rebuilt(store: Store, tmp_path: Path) -> None:
    """A saved index is a cache: after an upgrade changes its format, the start rebuilds, it does not fail."""
    first = BankRepository(store, tmp_path / "idx")
    first.add(PDQ, BASE, "known", by="ana")
    first.save()
    manifest = tmp_path / "idx" / "pdq" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"version": 3', '"version": 2'))
    again = BankRepository(store, tmp_path / "idx")
    assert again.matcher.match(pdq=BASE, quality=90).matched and not again.reloaded


def test_import_export_formats(store: Store, tmp_path: Path) -> None:
    src = tmp_path / "bank.csv"
    src.write_text(
        f"type,value,list,tags,note\npdq,{BASE},known,bluefinch;tidelamp,n1\nmd5,{'b' * 32},known,,\n"
    )
    repo = BankRepository(store, None)
    s = repo.import_file(src, by="ana", threshold=20)
    assert (s.added, s.skipped, s.lists) == (2, 0, ("known",))
    assert repo.import_file(src, by="ana").added == 0  # re-import: nothing twice
    rows = list(csv.DictReader(io.StringIO(repo.export("known", "csv"))))
    assert [(r["type"], r["tags"]) for r in rows] == [("pdq", "bluefinch;tidelamp"), ("video_md5", "")]
    exported = json.loads(repo.export("known", "json"))
    assert exported["lists"] == [{"name": "known", "threshold": 20, "negative": False}]
    te = tmp_path / "te.txt"
    te.write_text(repo.export("known", "threatexchange"))
    assert te.read_text().splitlines()[0] == f"pdq {BASE}"
    bank = Bank()
    bank.import_file(te, list_name="copy")  # read back through threatexchange's own file exchange
    assert sorted(e.value for _, e in bank.active()) == sorted([BASE, "b" * 32])
    with pytest.raises(NotFound):
        repo.export("missing")
    with pytest.raises(InputError):
        repo.export("known", "xml")
