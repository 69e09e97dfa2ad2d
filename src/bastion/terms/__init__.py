"""Term guard: obfuscation-proof lexicon matching, a search guard with no bypass, and variant discovery.

Signals written (``source="terms"``):

- ``term_match`` on accounts (username, display name, bio) and posts (text, hashtags); evidence holds the
  term, category, severity, span, evasions, lexicon and column. Scores are graded: plain prose is weak,
  profile fields, hashtags and evasions are strong (``service.match_score``).
- ``blocked_search`` on accounts: a live search the guard blocked (key = time:query), or an ingested search
  it would have blocked (key prefixed ``ingested:``); evidence is the ``SearchEvent``.

The pure logic (normalise, views, matcher, guard, discover, lint) never touches the database; ``repository``
(lexicons and discovery decisions) and ``service`` (scans, the store-backed guard) do.
"""

from bastion.terms.kinds import BLOCKED_SEARCH, TERM_MATCH

__all__ = ["BLOCKED_SEARCH", "TERM_MATCH"]
