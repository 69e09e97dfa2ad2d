"""Hashtags, mentions and links written inside free text.

Why: people write "#bestbluefinch", "@BluefinchLove" and "linktr.ee/bluefinchdaily" inside bios, posts,
messages and search queries, not only in the platform's hashtag and username fields. Those tokens are
concatenations by nature, so the matcher reads each one with the hashtag policy (CamelCase split, long terms
inside longer tokens, reversal), while the words around them keep the stricter token policy.
"""

from __future__ import annotations

import re

# A sigil that starts a token (not "m@rble", not an e-mail's "me@host", not an HTML entity's "&#102;"),
# then the run of the tag up to whitespace or the next sigil.
_SIGIL = r"(?<![\w&@#＃＠.])[#＃@＠](?P<tag>[^\s#＃@＠]+)"
# Links: with a scheme or "www.", a host followed by a path, or a bare host under a common TLD.
_TLDS = (
    "com|net|org|io|me|co|ly|ee|gg|tv|to|cc|app|xyz|site|shop|store|link|info|biz|online|club|page|bio|"
    "fans|live|social|chat|ru|de|uk|fr|es|it|nl|br|in|jp|cn|au|ca|us"
)
_URL = (
    r"(?P<url>(?:https?://|www\.)[^\s<>\"']+"
    r"|(?<![\w@.])(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?::\d+)?/[^\s<>\"']*"
    rf"|(?<![\w@.])(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:{_TLDS})(?![\w.-]))"
)
_TAGS = re.compile(f"{_URL}|{_SIGIL}", re.IGNORECASE)
_HINT = frozenset("#＃@＠./")


def tag_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each hashtag, mention or link in ``text`` (the sigil itself left out)."""
    if _HINT.isdisjoint(text):
        return []
    out: list[tuple[int, int]] = []
    for m in _TAGS.finditer(text):
        group = "url" if m.group("url") is not None else "tag"
        out.append((m.start(group), m.end(group)))
    return out
