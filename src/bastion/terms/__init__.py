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

from bastion.terms.discover import Candidate, discover
from bastion.terms.guard import Action, GuardDecision, GuardPolicy, SearchEvent, SearchGuard, Viewer
from bastion.terms.kinds import BLOCKED_SEARCH, TERM_MATCH
from bastion.terms.lexicon import Lexicon, MatchMode, Severity, Term, parse_lexicon_csv
from bastion.terms.matcher import Match, Matcher
from bastion.terms.policy_file import load_policy, policy_from_settings
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import TermGuard, refresh_stale
from bastion.terms.views import FieldKind

__all__ = [
    "BLOCKED_SEARCH",
    "TERM_MATCH",
    "Action",
    "Candidate",
    "FieldKind",
    "GuardDecision",
    "GuardPolicy",
    "Lexicon",
    "LexiconRepository",
    "Match",
    "MatchMode",
    "Matcher",
    "SearchEvent",
    "SearchGuard",
    "Severity",
    "Term",
    "TermGuard",
    "Viewer",
    "discover",
    "load_policy",
    "parse_lexicon_csv",
    "policy_from_settings",
    "refresh_stale",
]
