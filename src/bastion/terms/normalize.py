"""Text to skeleton: decode entities, rewrite symbol look-alikes ("|<"), close gaps between pictographs,
optionally split CamelCase, fold, squeeze stretched letters, join letters spread out by separators.

Two implementations of the same steps: ``render`` works on whole strings (translate and a few regexes) and
runs on every text; ``render_tracked`` keeps, for each output character, the span of the original text it came
from, and runs only on the rare texts that matched, to report spans in the original text.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from bastion.terms.emoji import close_gaps, gap_spans, has_pictograph, pictograph_class, pictographs
from bastion.terms.fold import ascii_table, table
from bastion.terms.lookalikes import ART, ART_RE, may_have_art, rewrite_art

_ENCODED = re.compile(
    r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|(?:%[0-9A-Fa-f]{2})+"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SQUEEZE = re.compile(r"(.)\1+", re.DOTALL)
# Three or more single characters, each separated by one space (separators were folded to spaces already).
_SPREAD = re.compile(r"(?<!\S)\S(?: \S){2,}(?!\S)")
# Cheap necessary condition for _SPREAD, run first (on the text with a space on each side).
SPREAD_HINT = re.compile(r"\s\S \S \S\s")


@functools.cache
def spread_pictographs() -> re.Pattern[str]:
    """``_SPREAD`` for text that may hold pictographs: they separate spread-out letters too ("b🔥l🔥u🔥e"),
    as they did when every symbol folded to a space."""
    p = pictograph_class()
    return re.compile(rf"(?<![^\s{p}])[^\s{p}](?:(?: ?[{p}]+ ?| )[^\s{p}]){{2,}}(?![^\s{p}])")


@functools.cache
def _spread_separators() -> re.Pattern[str]:
    return re.compile(f"[ {pictograph_class()}]+")


def spread_pattern(text: str) -> re.Pattern[str] | None:
    """The pattern of letters spread out by separators to use on folded ``text``; None when ruled out."""
    if text.isascii() or not has_pictograph(text):
        return _SPREAD if SPREAD_HINT.search(f" {text} ") is not None else None
    return spread_pictographs()


# Every character an ASCII text can fold to; squeezing those needs no regex.
_ASCII_PAIRS = tuple((c + c, c) for c in "abcdefghijkmnopqrstuvwxyz ")


@dataclass(frozen=True, slots=True)
class Tracked:
    """A derived text with, per character, the [start, end) span of the original text it stands for."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of derived characters ``[start, end)``."""
        return self.starts[start], self.ends[end - 1]


def _decode_one(piece: str) -> str:
    if piece.startswith("&"):
        return html.unescape(piece)
    raw = unquote_to_bytes(piece)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return piece


def needs_decoding(text: str) -> bool:
    return ("&" in text or "%" in text) and _ENCODED.search(text) is not None


def decode_tracked(text: str) -> Tracked:
    """HTML entities and percent-encoding undone; each decoded character spans its whole escape."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _ENCODED.finditer(text):
        for i in range(pos, m.start()):
            chars.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        decoded = _decode_one(m.group())
        if decoded == m.group():
            for i in range(m.start(), m.end()):
                chars.append(text[i])
                starts.append(i)
                ends.append(i + 1)
        else:
            for ch in decoded:
                chars.append(ch)
                starts.append(m.start())
                ends.append(m.end())
        pos = m.end()
    for i in range(pos, len(text)):
        chars.append(text[i])
        starts.append(i)
        ends.append(i + 1)
    return Tracked("".join(chars), tuple(starts), tuple(ends))


def decode(text: str) -> str:
    """``decode_tracked(text).text`` without the offsets (one regex pass, fit for a whole batch)."""
    if "&" in text or "%" in text:
        return _ENCODED.sub(lambda m: _decode_one(m.group()), text)
    return text


def prefold(text: str) -> str:
    """The rewrites done before folding: decoding, symbol look-alikes, gaps between pictographs."""
    text = decode(text)
    if may_have_art(text):
        text = rewrite_art(text)
    return text if text.isascii() else close_gaps(text)


def _sub_tracked(base: Tracked, pattern: re.Pattern[str], repl: Callable[[str], str]) -> Tracked:
    """``pattern.sub(repl, base.text)`` keeping offsets: replacement characters span the whole match."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in pattern.finditer(base.text):
        chars.extend(base.text[pos : m.start()])
        starts.extend(base.starts[pos : m.start()])
        ends.extend(base.ends[pos : m.start()])
        for ch in repl(m.group()):
            chars.append(ch)
            starts.append(base.starts[m.start()])
            ends.append(base.ends[m.end() - 1])
        pos = m.end()
    chars.extend(base.text[pos:])
    starts.extend(base.starts[pos:])
    ends.extend(base.ends[pos:])
    return Tracked("".join(chars), tuple(starts), tuple(ends))


def prefold_tracked(text: str) -> Tracked:
    """``prefold`` with an offset map back to ``text``."""
    base = decode_tracked(text)
    if may_have_art(base.text):
        base = _sub_tracked(base, ART_RE, lambda s: ART[s])
    spans = gap_spans(base.text)
    if spans:
        keep = [True] * len(base.text)
        for a, b in spans:
            keep[a:b] = [False] * (b - a)
        base = Tracked(
            "".join(ch for ch, k in zip(base.text, keep, strict=True) if k),
            tuple(x for x, k in zip(base.starts, keep, strict=True) if k),
            tuple(x for x, k in zip(base.ends, keep, strict=True) if k),
        )
    return base


def fold_text(text: str, leet: bool) -> str:
    if text.isascii():
        return text.encode("ascii").translate(ascii_table(leet)).decode("ascii")
    return text.translate(table(leet))


def squeeze(text: str) -> str:
    """Collapse runs of one repeated character (stretched letters, repeated separators) to one."""
    return _SQUEEZE.sub(r"\1", text)


def _squeeze_folded_ascii(text: str) -> str:
    for pair, single in _ASCII_PAIRS:
        while pair in text:
            text = text.replace(pair, single)
    return text


def _join_spread(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Join letters spread out by separators; also return where each joined run now sits, because every
    position inside such a run was a word boundary in the original."""
    pattern = spread_pattern(text)
    if pattern is None or pattern.search(text) is None:
        return text, ()
    parts: list[str] = []
    runs: list[tuple[int, int]] = []
    pos = 0
    size = 0
    for m in pattern.finditer(text):
        head = text[pos : m.start()]
        joined = squeeze(_spread_separators().sub("", m.group()))
        parts.append(head)
        size += len(head)
        runs.append((size, size + len(joined)))
        parts.append(joined)
        size += len(joined)
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts), tuple(runs)


def render_view(
    text: str, *, leet: bool = True, camel: bool = False, prefolded: bool = False
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The skeleton view of ``text`` that the automaton scans, and the spans of joined spread-out letters
    (``prefolded``: ``text`` is ``prefold``'s output already, shared by several views)."""
    if not prefolded:
        text = prefold(text)
    if camel:
        text = _CAMEL.sub(" ", text)
    if text.isascii():
        return _join_spread(_squeeze_folded_ascii(fold_text(text, leet)))
    return _join_spread(squeeze(fold_text(text, leet)))


def render(text: str, *, leet: bool = True, camel: bool = False) -> str:
    return render_view(text, leet=leet, camel=camel)[0]


def canonical(term: str) -> str:
    """The key a lexicon term is stored under: the same pipeline as the text, trimmed."""
    return render(term).strip()


def render_tracked(text: str, *, leet: bool = True, camel: bool = False) -> Tracked:
    """``render`` with an offset map back to ``text``; equal to ``render`` character for character."""
    base = prefold_tracked(text)
    chars = list(base.text)
    starts = list(base.starts)
    ends = list(base.ends)
    if camel:
        cuts = {m.start() for m in _CAMEL.finditer(base.text)}
        c2: list[str] = []
        s2: list[int] = []
        e2: list[int] = []
        for i, ch in enumerate(chars):
            if i in cuts:
                c2.append(" ")
                s2.append(starts[i])
                e2.append(starts[i])
            c2.append(ch)
            s2.append(starts[i])
            e2.append(ends[i])
        chars, starts, ends = c2, s2, e2
    mapping = table(leet)
    fc: list[str] = []
    fs: list[int] = []
    fe: list[int] = []
    fw: list[bool] = []
    for i, (ch, s, e) in enumerate(zip(chars, starts, ends, strict=True)):
        word_start = i > 0 and chars[i - 1].islower() and ch.isupper()
        for k, out in enumerate(mapping.get(ord(ch), ch)):
            fc.append(out)
            fs.append(s)
            fe.append(e)
            fw.append(word_start and k == 0)
    fc, fs, fe, fw = _squeeze_tracked(fc, fs, fe, fw)
    joined = "".join(fc)
    pattern = _SPREAD if joined.isascii() or not has_pictograph(joined) else spread_pictographs()
    if pattern.search(joined) is not None:
        pict = pictographs()
        drop = {
            m.start() + i
            for m in pattern.finditer(joined)
            for i, ch in enumerate(m.group())
            if ch == " " or ch in pict
        }
        keep = [i for i in range(len(fc)) if i not in drop]
        fc, fs, fe, fw = _squeeze_tracked(
            [fc[i] for i in keep], [fs[i] for i in keep], [fe[i] for i in keep], [fw[i] for i in keep]
        )
    return Tracked("".join(fc), tuple(fs), tuple(fe))


def _squeeze_tracked(
    chars: list[str], starts: list[int], ends: list[int], word_starts: list[bool]
) -> tuple[list[str], list[int], list[int], list[bool]]:
    """Squeeze with offsets. A run that crosses a CamelCase boundary ("LampPics") stands for two words: a
    match starting on it starts at the capital, one ending on it ends before the capital."""
    oc: list[str] = []
    os_: list[int] = []
    oe: list[int] = []
    ow: list[bool] = []
    frozen: list[bool] = []
    for ch, s, e, w in zip(chars, starts, ends, word_starts, strict=True):
        if oc and oc[-1] == ch:
            if w:
                os_[-1] = s
                frozen[-1] = True
            elif not frozen[-1]:
                oe[-1] = max(oe[-1], e)
            continue
        oc.append(ch)
        os_.append(s)
        oe.append(e)
        ow.append(w)
        frozen.append(False)
    return oc, os_, oe, ow
