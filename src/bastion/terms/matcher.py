"""One Aho-Corasick automaton over skeleton text for every lexicon at once.

Every term is stored under its skeleton (and, when long, its reversal and its letter look-alike spellings),
next to the allowlist phrases, so a text is scanned once per view whatever the lexicon size. Short terms must
stand as a whole token (so ordinary words that contain them do not match); long terms may also match inside
concatenated hashtags and usernames, including the hashtags, mentions and links written inside free text.
A pictograph is a token of its own, so emoji terms match wherever they are written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bastion.terms.batch import candidates
from bastion.terms.emoji import pictographs
from bastion.terms.evasions import classify
from bastion.terms.keys import ALLOW, JOINED, LOOKALIKE, REVERSED, build
from bastion.terms.lexicon import Lexicon, MatchMode, Severity, Term
from bastion.terms.normalize import decode, fold_text, render_tracked
from bastion.terms.tags import tag_spans
from bastion.terms.views import POLICIES, FieldKind, FieldPolicy, Runs, ViewSpec, leet_spread, views

MIN_SUBSTRING_LEN = 6
MIN_REVERSED_LEN = 6
# How a hashtag, mention or link written inside free text is read.
TAG_POLICY = POLICIES[FieldKind.HASHTAG]


@dataclass(frozen=True, slots=True)
class Match:
    term: str
    category: str
    severity: Severity
    start: int  # span in the original text, [start, end)
    end: int
    evasions: tuple[str, ...]
    lexicon: str
    field: FieldKind = FieldKind.TEXT

    def as_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "category": self.category,
            "severity": self.severity.name.lower(),
            "start": self.start,
            "end": self.end,
            "evasions": list(self.evasions),
            "lexicon": self.lexicon,
            "field": self.field.value,
        }


@dataclass(slots=True)
class _Hit:
    start: int
    stop: int
    kind: int
    index: int
    bounded: bool


def _inside(runs: Runs, pos: int) -> bool:
    return any(a <= pos < b for a, b in runs)


class Matcher:
    """Compiled lexicons; thread-safe to share for reading once built."""

    def __init__(
        self,
        lexicons: Iterable[Lexicon],
        *,
        min_substring_len: int = MIN_SUBSTRING_LEN,
        min_reversed_len: int = MIN_REVERSED_LEN,
    ) -> None:
        self.lexicons = tuple(lexicons)
        self._terms: list[Term] = []
        self._long: list[bool] = []  # by term: long enough to match inside longer tokens
        self._regex: list[tuple[re.Pattern[str], Term]] = []
        plain: list[Term] = []
        for lexicon in self.lexicons:
            for term in lexicon.terms:
                if term.match is MatchMode.REGEX:
                    self._regex.append((re.compile(term.text, re.IGNORECASE), term))
                else:
                    plain.append(term)
        compiled = build(
            [t.text for t in plain],
            [phrase for lexicon in self.lexicons for phrase in lexicon.allow],
            min_substring_len=min_substring_len,
            min_reversed_len=min_reversed_len,
        )
        self._terms = [plain[i] for i in compiled.kept]
        self._long = compiled.long
        self._compiled = compiled
        self._automaton: Any = compiled.automaton
        self._empty = len(self._automaton) == 0
        # Every other view only moves spaces relative to the leetspeak view, so a key without a space that
        # occurs in any view also occurs in the leetspeak view: no hit there means no match anywhere.
        self.gated = not compiled.spaced

    @property
    def terms(self) -> Sequence[Term]:
        return [*self._terms, *(t for _, t in self._regex)]

    def _accepts(self, index: int, kind: int, bounded: bool, policy: FieldPolicy) -> bool:
        if kind == REVERSED and not policy.reversed:
            return False
        if kind == JOINED and not policy.concat:
            return False
        if kind == LOOKALIKE:
            # inside longer tokens letter look-alikes find ordinary words ("frequencies" holds "encies", a
            # look-alike of "endless"), so they must stand as a token of their own
            return bounded
        if bounded:
            return True
        mode = self._terms[index].match
        return mode is MatchMode.SUBSTRING or (mode is MatchMode.AUTO and policy.concat and self._long[index])

    def _scan(self, s: str, runs: Runs, policy: FieldPolicy) -> list[_Hit]:
        hits: list[_Hit] = []
        allowed: list[tuple[int, int]] = []
        n = len(s)
        pict = pictographs()
        decode = self._compiled.items
        for end, value in self._automaton.iter(s):
            klen, items = decode(value)
            start = end - klen + 1
            stop = end + 1
            # a pictograph is a token of its own: it bounds the letters next to it, and a key that starts or
            # ends with one is bounded on that side wherever it is written
            bounded = (
                start == 0
                or s[start - 1] == " "
                or s[start - 1] in pict
                or s[start] in pict
                or _inside(runs, start)
            ) and (stop == n or s[stop] == " " or s[stop] in pict or s[end] in pict or _inside(runs, end))
            for kind, index in items:
                if kind == ALLOW:
                    allowed.append((start, stop))
                elif self._accepts(index, kind, bounded, policy):
                    hits.append(_Hit(start, stop, kind, index, bounded))
        if allowed and hits:
            hits = [h for h in hits if not any(a <= h.start and h.stop <= b for a, b in allowed)]
        return hits

    def match(self, text: str, field: FieldKind = FieldKind.TEXT) -> list[Match]:
        """Every lexicon match in ``text`` read as ``field``, with spans in ``text`` itself."""
        policy = POLICIES[field]
        found: list[tuple[int, Match]] = []
        if not self._empty and self._match_views(text, field, policy, 0, found) and not policy.concat:
            for a, b in tag_spans(text):
                self._match_views(text[a:b], field, TAG_POLICY, a, found)
        for pattern, t in self._regex:
            plain = decode(text)
            for rm in pattern.finditer(plain):
                if rm.end() > rm.start():
                    # spans are exact only when decoding changed nothing; else the whole text is the span
                    s, e = (rm.start(), rm.end()) if plain == text else (0, len(text))
                    found.append((2, Match(t.text, t.category, t.severity, s, e, (), t.lexicon, field)))
        # CamelCase views first: their spans stop at word edges that squeezing may blur in the other views
        found.sort(key=lambda pm: (pm[0], pm[1].start, pm[1].end))
        kept: list[Match] = []
        for _, m in found:
            if not any(
                k.term == m.term and k.lexicon == m.lexicon and k.start < m.end and m.start < k.end
                for k in kept
            ):
                kept.append(m)
        return sorted(kept, key=lambda m: (m.start, m.end, m.term))

    def _match_views(
        self, text: str, field: FieldKind, policy: FieldPolicy, offset: int, found: list[tuple[int, Match]]
    ) -> bool:
        """Scan every view of ``text`` (a field, or a tag at ``offset`` in it) into ``found``; False when the
        gate proved that no view can match (so no part of the text can either)."""
        for i, (spec, rendered, runs) in enumerate(views(text, policy)):
            if (
                i == 0
                and self.gated
                and next(self._automaton.iter(rendered), None) is None
                and not leet_spread(text)
            ):
                return False
            hits = self._scan(rendered, runs, policy)
            if hits:
                found.extend(
                    (0 if spec.camel else 1, m)
                    for m in self._resolve(text, field, spec, rendered, hits, offset)
                )
        return True

    def _resolve(
        self, text: str, field: FieldKind, spec: ViewSpec, rendered: str, hits: list[_Hit], offset: int
    ) -> list[Match]:
        tracked = render_tracked(text, leet=spec.leet, camel=spec.camel)
        exact = tracked.text == rendered
        out = []
        for h in hits:
            start, end = tracked.span(h.start, h.stop) if exact else (0, len(text))
            t = self._terms[h.index]
            evasions = classify(
                text,
                start,
                end,
                leet_view=spec.leet,
                reversed_form=h.kind == REVERSED,
                concatenated=not h.bounded or h.kind == JOINED,
                term_folded=fold_text(t.text, True).strip(),
                lookalike=h.kind == LOOKALIKE,
            )
            out.append(
                Match(
                    t.text, t.category, t.severity, start + offset, end + offset, evasions, t.lexicon, field
                )
            )
        return out

    def any_match(self, text: str, field: FieldKind = FieldKind.TEXT) -> bool:
        return bool(self.match(text, field))

    def match_many(self, texts: Sequence[str], field: FieldKind = FieldKind.TEXT) -> list[list[Match]]:
        """``match`` for each text, with the no-match majority rejected by one vectorised pass per batch."""
        if self._empty and not self._regex:
            return [[] for _ in texts]
        if not self.gated:
            return [self.match(t, field) for t in texts]
        picked = candidates(texts, self._automaton, [p for p, _ in self._regex])
        return [self.match(t, field) if i in picked else [] for i, t in enumerate(texts)]
