"""Accounts reviewers cleared: a ``not violating`` verdict holds an account out of networks until it does
something new, or others say something new about it.

Why: an account a reviewer judged and cleared (a journalist who follows a network's sellers to document
them, a parent, a hobby user whose word is a code word elsewhere) scores the same on the next run as on the
last, and would be flagged again, hidden by the guards and queued for the same review every run. The
verdict answered the evidence it was given; only evidence dated after it can reopen the question:

- reports on it or on its posts from two reporters whose reports count in full (not for spam, not marked
  as reporting in bad faith, not mostly rejected): one report is one person's word, and one is all it
  would take to hide a cleared account again;
- a signal of its own first written after the verdict (a lexicon match, a known hash, a blocked search);
- a contact it chose after the verdict (a follow, a conversation it started, an interaction) with an
  account strong on evidence of its own.

A held account keeps its score, shown with the clearance in its dossier and by ``bastion detect``; it is in
no network, and it makes no one else a suspect (it is no strong neighbour). A not-violating verdict on a
child-safety case with network membership is always second-reviewed before it is a verdict (review's
``BASTION_SECOND_REVIEW_RATE``), so one reviewer's mistake does not clear an account. The newest verdict
wins: a later violating one ends the clearance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Clearance:
    """One cleared account: when (epoch seconds) and by which case, what is new since, in words, and the
    accounts it chose to contact since (graph indices)."""

    at: float
    case: str
    news: tuple[str, ...] = ()
    contacted: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: what came since that does not reopen it (one reporter's word), in words
    short: tuple[str, ...] = ()

    def words(self, strong_since: int = 0) -> str:
        day = datetime.fromtimestamp(self.at, UTC).date().isoformat()
        said = list(self.news)
        if strong_since:
            said.append(
                f"chose to contact {strong_since} account{'s' if strong_since != 1 else ''} strong on "
                "evidence of its own"
            )
        if said:
            since = "; since then: " + ", ".join(said)
        elif self.short:
            since = "; nothing that reopens it since (" + ", ".join(self.short) + ")"
        else:
            since = "; nothing new since"
        return f"cleared by review on {day} (case {self.case}){since}"


@dataclass(slots=True)
class Clearances:
    """Cleared accounts by graph index."""

    of: dict[int, Clearance] = field(default_factory=dict)

    def held(self, strong: BoolArray) -> BoolArray:
        """Cleared accounts with nothing new since: no new own evidence and no contact chosen since with an
        account ``strong`` on its own evidence (another held account is not one)."""
        n = len(strong)
        quiet = np.zeros(n, dtype=bool)
        for i, c in self.of.items():
            quiet[i] = not c.news
        others = strong & ~quiet
        out = quiet.copy()
        for i, c in self.of.items():
            if quiet[i] and len(c.contacted) and others[c.contacted].any():
                out[i] = False
        return out

    def words(self, i: int, strong: BoolArray) -> str | None:
        c = self.of.get(i)
        if c is None:
            return None
        return c.words(int(strong[c.contacted].sum()) if len(c.contacted) else 0)
