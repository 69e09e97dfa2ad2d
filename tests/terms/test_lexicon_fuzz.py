"""An operator's lexicon file, as hypothesis writes it: it loads and compiles, or it is refused by line.

Rows mix neutral invented code words, words of punctuation or spaces alone, confusables, emoji, regexes
that compile and ones that do not, severities and match modes valid and not, quotes, stray commas, and the
odd NUL byte; the header may lack a column or add one. Whatever the file: parsing gives a lexicon or an
``InputError`` naming the file (and the line where a row is at fault), never another error; a lexicon it
gives compiles, and the matcher reads any text without error, naming only its own terms. Derandomised.
"""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from bastion.core.errors import InputError
from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.matcher import Matcher
from support.fuzzing import fuzz

WORDS = ["bluefinch", "ambertide", "quietowl", "b1uef1nch", "blue finch", "ａｍｂｅｒ", "q.u.i.e.t", "🦉owl"]
ODD = ["", " ", "---", "...", "\t", '"', ",", "\x00", "a", "é", "\u200b", "[", "(a|b", r"\bowl\b", ".*"]
terms = st.one_of(st.sampled_from(WORDS), st.sampled_from(ODD), st.text(max_size=12))
severities = st.one_of(
    st.sampled_from(["1", "4", "high", "LOW", "critical", "0", "9", ""]), st.text(max_size=4)
)
modes = st.one_of(
    st.sampled_from(["", "auto", "token", "substring", "regex", "allow", "other"]), st.text(max_size=3)
)
rows = st.lists(
    st.tuples(terms, st.sampled_from(["trade", "", "x y"]), severities, modes, st.text(max_size=8)),
    max_size=12,
)
headers = st.one_of(
    st.just(["term", "category", "severity", "match", "note"]),
    st.just(["term", "category", "severity"]),
    st.just(["Term", " Category ", "SEVERITY", "match"]),
    st.lists(st.sampled_from(["term", "category", "severity", "match", "note", "extra", ""]), max_size=6),
)
texts = st.one_of(st.sampled_from(WORDS + ODD), st.text(max_size=40))


def _file(header: list[str], body: list[tuple[str, str, str, str, str]], ragged: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in body:
        writer.writerow(row[: len(header)] if not ragged else row)
    return out.getvalue()


@fuzz(300)
@given(headers, rows, st.booleans(), st.lists(texts, max_size=5))
def test_a_lexicon_file_loads_and_compiles_or_is_refused_by_line(
    header: list[str], body: list[tuple[str, str, str, str, str]], ragged: bool, probes: list[str]
) -> None:
    text = _file(header, body, ragged)
    try:
        lexicon = parse_lexicon_csv("ops/lexicon.csv", text=text)
    except InputError as exc:
        assert exc.file == "ops/lexicon.csv" and exc.message
        return
    matcher = Matcher([lexicon])
    known = {t.text for t in lexicon.terms}
    for probe in [*probes, *(t.text for t in lexicon.terms)]:
        for match in matcher.match(probe):
            assert match.term in known
