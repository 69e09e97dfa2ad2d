"""Reporters' track records: what reviewers decided about the accounts a reporter reported, and leads'
bad-faith marks, as a weight on each of its reports (issue 12: reports weighted by reporter credibility).

Review publishes both as signals (``verdict`` on judged accounts, ``bad_faith_reporter`` on marked
reporters), read here by name, so detection never reads review's tables. A reporter whose reports
reviewers keep rejecting counts less on every report, also on accounts nobody has judged yet (the first
cleared targets of a campaign discount the rest of it); one whose reports were borne out as often counts
in full; one a lead marked as reporting in bad faith counts for nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bastion.core.model import Signal
from bastion.core.signals import named
from bastion.graph.keyed import NodeIds
from bastion.store import Store

#: Declared by review (``review/kinds.py``); read here by name, without importing review.
VERDICT = named("verdict")
BAD_FAITH_REPORTER = named("bad_faith_reporter")
#: Confirmations a reporter is credited with before any verdict: its weight is
#: (confirmed + TRACK_PRIOR) / (rejected + TRACK_PRIOR), at most 1 (one rejection: 2/3, six: 1/4).
TRACK_PRIOR = 2.0


@dataclass(frozen=True, slots=True)
class TrackRecord:
    confirmed: int = 0
    rejected: int = 0
    bad_faith: bool = False

    @property
    def weight(self) -> float:
        if self.bad_faith:
            return 0.0
        return min(1.0, (self.confirmed + TRACK_PRIOR) / (self.rejected + TRACK_PRIOR))


def track_records(
    reported: Mapping[int, Mapping[int, float]], verdicts: Mapping[int, bool], bad_faith: set[int]
) -> dict[int, TrackRecord]:
    """Per reporter with any verdict on what it reported, or a mark: ``reported`` is account -> {reporter:
    weight}, ``verdicts`` account -> violating."""
    confirmed: dict[int, int] = {}
    rejected: dict[int, int] = {}
    for account, violating in verdicts.items():
        tally = confirmed if violating else rejected
        for reporter in reported.get(account, {}):
            tally[reporter] = tally.get(reporter, 0) + 1
    return {
        r: TrackRecord(confirmed.get(r, 0), rejected.get(r, 0), r in bad_faith)
        for r in sorted({*confirmed, *rejected, *bad_faith})
    }


def newest_verdicts(store: Store, platform: str) -> dict[str, Signal]:
    """Account -> its newest ``verdict`` signal (a later case overrides an earlier)."""
    out: dict[str, Signal] = {}
    for s in store.signals.of_kind(VERDICT, platform):  # oldest first
        if s.entity_type == "account":
            out[s.entity_id] = s
    return out


def verdict_labels(
    store: Store, platform: str, newest: Mapping[str, Signal] | None = None
) -> dict[str, bool]:
    """Account -> violating, from the newest verdict on each account (``newest``, where the caller read
    them already)."""
    found = newest_verdicts(store, platform) if newest is None else newest
    return {a: s.score >= 0.5 for a, s in found.items()}


def reviewed(
    store: Store, platform: str, nodes: NodeIds, newest: Mapping[str, Signal] | None = None
) -> tuple[dict[int, bool], set[int]]:
    """The platform's verdicts (account -> violating) and marked reporters, for the accounts the graph
    knows (``newest``: :func:`newest_verdicts`, where the caller read them already)."""
    labels = verdict_labels(store, platform, newest)
    verdicts = {nodes.index[a]: v for a, v in labels.items() if a in nodes.index}
    marked = {
        i
        for s in store.signals.of_kind(BAD_FAITH_REPORTER, platform)
        if s.entity_type == "account" and s.score > 0 and (i := nodes.index.get(s.entity_id)) is not None
    }
    return verdicts, marked
