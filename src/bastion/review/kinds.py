"""The signal kinds review produces: open cases (the guards hold accounts back) and verdicts (detection
learns from them). Neither is evidence for detection nor adds to triage."""

from __future__ import annotations

from bastion.core.signals import ON_ACCOUNTS, SignalKind, register

CASE_OPEN, VERDICT = register(
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
)

__all__ = ["CASE_OPEN", "VERDICT"]
