from __future__ import annotations

from pathlib import Path

import pytest

from bastion.core.errors import InputError
from bastion.terms.lexicon import Lexicon, MatchMode, Severity, Term, parse_lexicon_csv
from bastion.terms.lint import lint
from bastion.terms.matcher import Matcher

GOOD = """term,category,severity,match,note
bluefinch,cat_a,critical,,partner list
tidelamp,cat_b,2,token,
marblecrow,cat_a,high,substring,
blue[ -]?heron,cat_c,low,regex,
marblecrowd,,,allow,known benign tag
"""


def test_parse_good_csv(tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"
    path.write_text(GOOD, encoding="utf-8")
    lex = parse_lexicon_csv(path)
    assert lex.name == "partner"
    assert [t.text for t in lex.terms] == ["bluefinch", "tidelamp", "marblecrow", "blue[ -]?heron"]
    assert lex.terms[0].severity is Severity.CRITICAL and lex.terms[0].note == "partner list"
    assert lex.terms[1].match is MatchMode.TOKEN and lex.terms[1].line == 3
    assert lex.allow == ("marblecrowd",)
    m = Matcher([lex])
    assert [x.term for x in m.match("a blue-heron here")] == ["blue[ -]?heron"]
    assert not m.match("marblecrowd")


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("term,category\nx,y\n", 1, None),
        ("term,category,severity\n,cat,1\n", 2, "term"),
        ("term,category,severity\nabc,cat,urgent\n", 2, "severity"),
        ("term,category,severity,match\nabc,cat,1,fuzzy\n", 2, "match"),
        ("term,category,severity,match\nab(c,cat,1,regex\n", 2, "term"),
        ("term,category,severity\nok,cat,1\nabc,,1\n", 3, "category"),
    ],
)
def test_bad_csv_names_file_line_and_field(text: str, line: int, field: str | None) -> None:
    with pytest.raises(InputError) as err:
        parse_lexicon_csv("lists/bad.csv", text=text)
    assert err.value.file == "lists/bad.csv" and err.value.line == line and err.value.field == field


def test_lint_warns_about_collisions_with_ordinary_words() -> None:
    lex = parse_lexicon_csv(
        "x.csv", text="term,category,severity\nb1ue,cat,1\nmarblecrow,cat,2\nzzqx,cat,1\n"
    )
    warnings = lint(lex, ["blue", "marblecrowds", "hello"])
    by_term = {w.term: w for w in warnings}
    assert "blue" in by_term["b1ue"].words  # leetspeak view equals an ordinary word
    assert "marblecrowds" in by_term["marblecrow"].words  # occurs inside a word
    assert "zzqx" not in by_term


def test_lint_accepts_emoji_terms_and_warns_about_look_alike_spellings() -> None:
    lex = parse_lexicon_csv(
        "x.csv",
        text="term,category,severity\n\U0001f99c\U0001f388,cat,4\n\U0001f335,cat,4\nwarming,cat,2\n",
    )
    by_term = {w.term: w for w in lint(lex, ["warning", "hello", "cactus"])}
    assert (
        "\U0001f99c\U0001f388" not in by_term and "\U0001f335" not in by_term
    )  # no "no letters", no "short"
    # built in code, a term with nothing to match is still named (a file with one is refused: see below)
    dot = Lexicon("x", (Term(".", "cat", Severity.LOW, lexicon="x", line=5),))
    assert [w.message for w in lint(dot, ["hello"])] == ["term has no letters after folding"]
    assert "look-alike spelling" in by_term["warming"].message and by_term["warming"].words == ("warning",)


@pytest.mark.parametrize("inert", [".", "---", "\u200b", "()"])
def test_a_term_with_nothing_to_match_is_refused_by_line_not_dropped(inert: str) -> None:
    """A term of punctuation, spaces or invisible characters alone normalises to nothing: the matcher would
    drop it without a word (lint, an optional extra, only warned), and the operator would believe the list
    covers it. The file is refused at that row; as a regex it is what the operator wrote."""
    text = f'term,category,severity,match\nbluefinch,trade,high,\n"{inert}",trade,high,\n'
    with pytest.raises(InputError) as exc:
        parse_lexicon_csv("ops/list.csv", text=text)
    assert (exc.value.file, exc.value.line, exc.value.field) == ("ops/list.csv", 3, "term")
    assert "could never match" in exc.value.message
    as_regex = parse_lexicon_csv("ops/list.csv", text=text.replace(",high,\n", ",high,regex\n"))
    assert as_regex.terms[-1].text == inert and as_regex.terms[-1].match is MatchMode.REGEX


def test_an_allowlist_phrase_with_nothing_to_match_is_refused_by_line() -> None:
    """The same for an allowlist row: it would suppress nothing, silently."""
    text = 'term,category,severity,match\nbluefinch,trade,high,\nbluefinch feeder,,,allow\n"--",,,allow\n'
    with pytest.raises(InputError) as exc:
        parse_lexicon_csv("ops/list.csv", text=text)
    assert (exc.value.file, exc.value.line, exc.value.field) == ("ops/list.csv", 4, "term")
    assert "allowlist phrase of nothing" in exc.value.message
    kept = parse_lexicon_csv("ops/list.csv", text=text.rsplit('"--"', 1)[0])
    assert kept.allow == ("bluefinch feeder",)


def test_a_lexicon_saved_in_a_windows_code_page_is_refused_naming_the_file(tmp_path: Path) -> None:
    """A spreadsheet's CSV export in Windows-1252 (a code word with an accent): an InputError naming the file,
    where it was a UnicodeDecodeError traceback."""
    path = tmp_path / "partner.csv"
    path.write_bytes("term,category,severity\ncaf\xe9finch,trade,high\n".encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8") as exc:
        parse_lexicon_csv(path)
    assert exc.value.file == str(path)
