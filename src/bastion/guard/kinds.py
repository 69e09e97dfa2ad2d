"""The signal kind the guards produce: each contact decision, on the sender. Not evidence for detection."""

from __future__ import annotations

from bastion.core.signals import ON_ACCOUNTS, SignalKind, register

(CONTACT_GUARD,) = register(
    SignalKind(
        "contact_guard",
        attaches_to=ON_ACCOUNTS,
        means="a contact the guard held back or blocked",
        strength="by the action taken",
        evidence=False,
        triage_weight=0.0,
    ),
)

__all__ = ["CONTACT_GUARD"]
