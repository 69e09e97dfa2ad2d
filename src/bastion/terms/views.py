"""Which views of a field are scanned, and how long a term must be to match inside a longer token.

Splitting CamelCase, reading text backwards or matching inside words floods ordinary prose with false
positives, so those views are only used on fields where people concatenate words (hashtags, usernames, search
queries, and the hashtags, mentions and links written inside other text: see ``tags``) and, for substrings and
reversals, only for terms long enough to be unlikely by chance.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from bastion.terms.normalize import prefold, render_view

# Digits and symbols that leetspeak reads as letters; when present, a view that treats them as separators
# is scanned too, so "word2024" and "word!" still end a token.
LEETISH = frozenset("0123456789@$!|+")
# Single letters spread out by separators: where the separators include leetspeak characters ("b1l1u1e"), only
# the view that reads those as separators joins the letters, so the leetspeak view cannot gate the text.
# (\x1f, the batch separator, is excluded so a run never spans two texts of a batch.)
LEET_HINT = re.compile(r"[0-9@$!|+](?:[^\w\x1f]|[\d_])*[^\W\d_](?![^\W\d_])")  # necessary, and cheap
LEET_SPREAD = re.compile(r"(?<![^\W\d_])[^\W\d_](?:(?:[^\w\x1f]|[\d_])+[^\W\d_](?![^\W\d_])){2,}")


def leet_spread(text: str) -> bool:
    """Whether ``text`` may hold letters spread out by leetspeak characters (a gating exception)."""
    if LEETISH.isdisjoint(text) or LEET_HINT.search(text) is None:
        return False
    return any(not LEETISH.isdisjoint(m.group()) for m in LEET_SPREAD.finditer(text))


class FieldKind(StrEnum):
    TEXT = "text"
    BIO = "bio"
    DISPLAY_NAME = "display_name"
    USERNAME = "username"
    HASHTAG = "hashtag"
    QUERY = "query"


@dataclass(frozen=True, slots=True)
class FieldPolicy:
    camel: bool  # also scan with CamelCase words split apart
    concat: bool  # long terms may match inside a longer token
    reversed: bool  # long terms may match written backwards


POLICIES: dict[FieldKind, FieldPolicy] = {
    FieldKind.TEXT: FieldPolicy(camel=False, concat=False, reversed=False),
    FieldKind.BIO: FieldPolicy(camel=False, concat=False, reversed=False),
    FieldKind.DISPLAY_NAME: FieldPolicy(camel=True, concat=False, reversed=False),
    FieldKind.USERNAME: FieldPolicy(camel=True, concat=True, reversed=True),
    FieldKind.HASHTAG: FieldPolicy(camel=True, concat=True, reversed=True),
    FieldKind.QUERY: FieldPolicy(camel=True, concat=True, reversed=True),
}


@dataclass(frozen=True, slots=True)
class ViewSpec:
    leet: bool
    camel: bool


LEET = ViewSpec(leet=True, camel=False)
PLAIN = ViewSpec(leet=False, camel=False)
CAMEL_LEET = ViewSpec(leet=True, camel=True)
CAMEL_PLAIN = ViewSpec(leet=False, camel=True)


def has_camel(text: str) -> bool:
    return any(a.islower() and b.isupper() for a, b in itertools.pairwise(text))


Runs = tuple[tuple[int, int], ...]


def views(text: str, policy: FieldPolicy) -> Iterator[tuple[ViewSpec, str, Runs]]:
    """The distinct rendered views of ``text`` for a field, the leetspeak view first; identical renderings
    are produced once, lazily, so a caller can stop after the first."""
    specs = [LEET]
    leetish = not LEETISH.isdisjoint(text)
    if leetish:
        specs.append(PLAIN)
    if policy.camel and has_camel(text):
        specs.append(CAMEL_LEET)
        if leetish:
            specs.append(CAMEL_PLAIN)
    seen: set[str] = set()
    pre = prefold(text)
    for spec in specs:
        rendered, runs = render_view(pre, leet=spec.leet, camel=spec.camel, prefolded=True)
        if rendered not in seen:
            seen.add(rendered)
            yield spec, rendered, runs
