"""Triage policy without a database: categories, priority, severity, service-level targets and the guidance a
reviewer sees. Child safety always comes first; signals, a minor involved, volume and age raise the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bastion.core.signals import SignalKind, lookup

CHILD_SAFETY = "child_safety"

#: Category -> (base score, base severity 1..5).
CATEGORIES: dict[str, tuple[float, int]] = {
    CHILD_SAFETY: (0.9, 5),
    "violent_threat": (0.6, 4),
    "self_harm": (0.6, 4),
    "harassment": (0.4, 3),
    "hate": (0.4, 3),
    "scam": (0.3, 2),
    "spam": (0.1, 1),
    "other": (0.2, 2),
}
ALIASES = {
    "csam": CHILD_SAFETY,
    "child": CHILD_SAFETY,
    "minor_safety": CHILD_SAFETY,
    "threat": "violent_threat",
}

#: Explicit triage weights by kind name, over the producers' ``triage_weight`` hints (empty: the hints
#: decide; hash_match 0.35, network_member 0.25, term_match 0.15, blocked_search 0.1, a kind nobody
#: declared ``core.signals.DEFAULT_TRIAGE_WEIGHT``).
SIGNAL_WEIGHTS: dict[str, float] = {}
MINOR_WEIGHT = 0.2

#: Priority -> time a case may wait before its first decision.
SLA = {1: timedelta(hours=1), 2: timedelta(hours=4), 3: timedelta(hours=24), 4: timedelta(hours=72)}
OUTCOMES = ("violating", "not_violating", "escalate")

GUIDANCE: dict[str, tuple[str, list[str]]] = {
    CHILD_SAFETY: (
        "Decide on the whole account. A confirmed hash match is sufficient for 'violating'; do not reveal "
        "more media than the decision needs. Violating accounts are reported to the national hotline.",
        [
            "CS-1 known material (hash match)",
            "CS-2 solicitation or trading",
            "CS-3 grooming contact",
            "CS-4 network participation",
        ],
    ),
    "violent_threat": ("Credible, specific threats are violating.", ["VT-1 credible threat"]),
    "self_harm": ("Route to support resources; escalate imminent risk.", ["SH-1 imminent risk"]),
    "harassment": ("Targeted, repeated abuse of a person.", ["HA-1 targeted harassment"]),
    "hate": ("Attacks on protected characteristics.", ["HT-1 protected characteristic"]),
    "scam": ("Deceptive requests for money or credentials.", ["SC-1 fraud"]),
    "spam": ("Bulk unsolicited content.", ["SP-1 bulk content"]),
    "other": ("Apply the general terms of service.", ["GEN-1 terms of service"]),
}


def category_of(reason: str) -> str:
    key = reason.strip().lower().replace(" ", "_").replace("-", "_")
    key = ALIASES.get(key, key)
    return key if key in CATEGORIES else "other"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What triage knows about a case: enough to rank it, nothing a reviewer has not been shown."""

    category: str
    signal_kinds: frozenset[str]
    minor_involved: bool
    reports: int  # reports that count (bad-faith reporters discounted)
    oldest_report: datetime | None
    now: datetime


@dataclass(frozen=True, slots=True)
class Ranking:
    score: float
    severity: int
    priority: int
    sla: timedelta


def signal_weight(kind: SignalKind) -> float:
    """What carrying a kind adds to a case's priority score: an explicit weight, else the kind's hint."""
    return SIGNAL_WEIGHTS.get(kind.name, kind.triage_weight)


def rank(facts: CaseFacts) -> Ranking:
    base, severity = CATEGORIES.get(facts.category, CATEGORIES["other"])
    kinds = [lookup(k) for k in sorted(facts.signal_kinds)]
    score = base + sum(signal_weight(k) for k in kinds)
    if facts.minor_involved:
        score += MINOR_WEIGHT
        severity = min(5, severity + 1)
    if any(k.raises_severity for k in kinds):
        severity = min(5, severity + 1)
    score += min(0.15, 0.03 * max(0, facts.reports - 1))
    if facts.oldest_report is not None:
        waited = (facts.now - facts.oldest_report).total_seconds() / 3600.0
        score += min(0.1, 0.01 * max(0.0, waited))
    if facts.category == CHILD_SAFETY or score >= 1.0:
        priority = 1
    elif score >= 0.6:
        priority = 2
    elif score >= 0.35:
        priority = 3
    else:
        priority = 4
    return Ranking(round(score, 4), severity, priority, SLA[priority])


def needs_second_review(
    case_id: int, category: str, flags: dict[str, object], outcome: str, rate: float
) -> bool:
    """Every 'not violating' on a child-safety case with severe evidence (a kind that raises severity: hash
    match, network membership), plus a sample.

    The sample is a deterministic hash of the case id so a reviewer cannot game it by retrying."""
    strong = any(v is True and k != "minor" and lookup(k).raises_severity for k, v in flags.items())
    if outcome == "not_violating" and category == CHILD_SAFETY and strong:
        return True
    return ((case_id * 2654435761) % 1000) / 1000.0 < rate


def guidance(category: str) -> tuple[str, list[str]]:
    return GUIDANCE.get(category, GUIDANCE["other"])


def time_left(due_at: datetime, now: datetime) -> str:
    seconds = int((due_at - now).total_seconds())
    sign = "" if seconds >= 0 else "overdue "
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}h {rest // 60:02d}m"
