"""Lexicons in the database: versioned entries, re-import records changes, remembered decisions."""

from __future__ import annotations

import pytest

from bastion.core.errors import InputError, NotFound
from bastion.store import Store
from bastion.terms.discover import Candidate, Example
from bastion.terms.lexicon import Lexicon, MatchMode, Severity, parse_lexicon_csv
from bastion.terms.matcher import Matcher
from bastion.terms.repository import LexiconRepository
from bastion.terms.views import FieldKind

V1 = "term,category,severity,match,note\nbluefinch,cat_a,4,,\ntidelamp,cat_b,2,,\nmarblecrowd,,,allow,\n"
V2 = "term,category,severity\nbluefinch,cat_a,3\nquietfern,cat_b,2\n"


def test_reimport_records_changes_not_duplicates(store: Store) -> None:
    repo = LexiconRepository(store)
    first = repo.import_lexicon(parse_lexicon_csv("p.csv", text=V1, name="partner"), by="ana")
    assert first.created and sorted(first.added) == ["bluefinch", "tidelamp"] and first.allow_added == 1
    again = repo.import_lexicon(parse_lexicon_csv("p.csv", text=V1, name="partner"), by="ana")
    assert (again.added, again.changed, again.removed, again.unchanged) == ((), (), (), 2)
    v2 = repo.import_lexicon(parse_lexicon_csv("p.csv", text=V2, name="partner"), by="ben")
    assert v2.added == ("quietfern",) and v2.changed == ("bluefinch",) and v2.removed == ("tidelamp",)
    assert v2.allow_removed == 1
    live = {e.term: e for e in repo.entries("partner")}
    assert set(live) == {"bluefinch", "quietfern"} and live["bluefinch"].severity is Severity.HIGH
    history = repo.entries("partner", history=True)
    assert len(history) == 4  # bluefinch twice (changed), tidelamp removed, quietfern
    gone = [e for e in history if e.term == "tidelamp"]
    assert gone[0].removed_by == "ben" and gone[0].removed_at is not None and gone[0].added_by == "ana"
    old = [e for e in history if e.term == "bluefinch" and e.removed_at is not None]
    assert old and old[0].severity is Severity.CRITICAL
    info = {i.name: i for i in repo.lexicons()}
    assert info["partner"].terms == 2 and info["partner"].allow == 0


def test_several_active_lexicons_and_allowlist_feed_the_matcher(store: Store) -> None:
    repo = LexiconRepository(store)
    repo.import_lexicon(parse_lexicon_csv("a.csv", text=V1, name="partner"), by="ana", source="ngo")
    repo.import_lexicon(Lexicon.of("own", [("copperwren", "cat_c", 1)]), by="ops")
    before = repo.version()
    lexicons = repo.active_lexicons()
    assert [lx.name for lx in lexicons] == ["own", "partner"]
    m = Matcher(lexicons)
    assert {x.term for x in m.match("c0pperwren and b.l.u.e.f.i.n.c.h")} == {"copperwren", "bluefinch"}
    assert m.match("marblecrowd", FieldKind.HASHTAG) == []
    repo.set_active("own", False)
    assert [lx.name for lx in repo.active_lexicons()] == ["partner"] and repo.version() != before
    assert [i.source for i in repo.lexicons() if i.name == "partner"] == ["ngo"]


def test_remove_keeps_history_and_errors(store: Store) -> None:
    repo = LexiconRepository(store)
    repo.import_lexicon(parse_lexicon_csv("a.csv", text=V1, name="l"), by="ana")
    repo.remove_term("l", "tidelamp", by="cho")
    assert [e.term for e in repo.entries("l")] == ["bluefinch"]
    with pytest.raises(NotFound):
        repo.remove_term("l", "tidelamp", by="cho")
    with pytest.raises(NotFound):
        repo.entries("nope")
    dup = "term,category,severity\nbluefinch,a,1\nbluefinch,a,2\n"
    with pytest.raises(InputError) as err:
        repo.import_lexicon(parse_lexicon_csv("d.csv", text=dup), by="x", file="d.csv")
    assert err.value.line == 3 and err.value.field == "term" and err.value.file == "d.csv"


def _cand(item: str, key: str) -> Candidate:
    return Candidate(item, key, 4.0, 5.0, 7, 9, (Example("p1", "post", ("bluefinch",)),))


def test_decisions_are_remembered(store: Store) -> None:
    repo = LexiconRepository(store)
    repo.record_candidates(
        "p", [_cand("finchblue", "finchbiue"), _cand("bfnch", "bfnch")], {"bluefinch": ("cat_a", 4)}
    )
    assert repo.decided_keys() == set()
    repo.reject("BFNCH", by="ana")
    accepted = repo.accept("finchblue", "discovered", by="ben")
    assert accepted.category == "cat_a" and accepted.severity is Severity.CRITICAL
    assert accepted.match is MatchMode.AUTO
    assert repo.decided_keys() == {"bfnch", "finchbiue"}
    d = repo.candidate("f1nchblue")
    assert d is not None and d.status == "accepted" and d.lexicon == "discovered" and d.decided_by == "ben"
    assert [e.term for e in repo.entries("discovered")] == ["finchblue"]
    # a later run does not resurrect a decided candidate
    repo.record_candidates("p", [_cand("bfnch", "bfnch")], {})
    assert repo.candidate("bfnch").status == "rejected"  # type: ignore[union-attr]
    with pytest.raises(InputError):
        repo.accept("neverseen", "discovered", by="ben")
    typed = repo.accept("neverseen", "discovered", by="ben", category="cat_x", severity=Severity.LOW)
    assert typed.category == "cat_x"
