"""The signal kinds enforcement produces. Neither is evidence for detection nor adds to triage."""

from __future__ import annotations

from bastion.core.signals import ON_ACCOUNTS, SignalKind, register

EVASION, STILL_ACTIVE = register(
    SignalKind(
        "evasion",
        attaches_to=ON_ACCOUNTS,
        means="a new account that looks like a banned one (ban evasion)",
        strength="the evasion scorer's probability",
        evidence=False,
        triage_weight=0.0,
    ),
    SignalKind(
        "still_active",
        attaches_to=ON_ACCOUNTS,
        means="still active after a takedown was requested",
        strength="1",
        evidence=False,
        triage_weight=0.0,
    ),
)

__all__ = ["EVASION", "STILL_ACTIVE"]
