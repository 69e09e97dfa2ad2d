"""The signal kinds review produces: open cases (the guards hold accounts back), verdicts (detection
learns from them) and reporters a lead marked as reporting in bad faith (detection stops counting their
reports). None is evidence for detection nor adds to triage."""

from __future__ import annotations

from bastion.core.signals import ON_ACCOUNTS, SignalKind, register

CASE_OPEN, VERDICT, BAD_FAITH_REPORTER = register(
    SignalKind(
        "case_open",
        attaches_to=ON_ACCOUNTS,
        means="under review in an open case",
        strength="1 a child-safety case, 0.5 another category",
        evidence=False,
        triage_weight=0.0,
    ),
    SignalKind(
        "verdict",
        attaches_to=ON_ACCOUNTS,
        means="a reviewer's final decision on the account",
        strength="1 violating, 0 not violating",
        evidence=False,
        triage_weight=0.0,
    ),
    SignalKind(
        "bad_faith_reporter",
        attaches_to=ON_ACCOUNTS,
        means="a lead marked the account's reports as made in bad faith",
        strength="1",
        evidence=False,
        triage_weight=0.0,
    ),
)

__all__ = ["BAD_FAITH_REPORTER", "CASE_OPEN", "VERDICT"]
