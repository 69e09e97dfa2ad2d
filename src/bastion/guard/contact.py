"""The contact guard: a new follow or first message, judged before it reaches the recipient.

Actions: ``allow``, ``warn`` (delivered, the minor is warned and offered tools), ``hold`` (kept for review,
not delivered) and ``block``. Every decision becomes a ``Signal(kind="contact_guard", source="guard")`` on
the sender, so reviewers and the network detector can see who keeps reaching for minors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bastion.core.errors import InputError
from bastion.core.model import EntityType, Signal
from bastion.guard.kinds import CONTACT_GUARD
from bastion.guard.state import AGE_ADULT, AGE_MINOR, AGE_UNKNOWN, CASE, MEMBER, GuardState, Snapshot

KIND = CONTACT_GUARD
SOURCE = "guard"
CONTACT_KINDS = ("follow", "message")
#: What a minor is offered whenever the guard steps in: the platform maps these to its own features.
SAFETY_TOOLS = ("block", "restrict", "report", "hide_from_adults", "help_resources")


class Action(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    HOLD = "hold"
    BLOCK = "block"


_SCORE = {Action.ALLOW: 0.0, Action.WARN: 0.3, Action.HOLD: 0.7, Action.BLOCK: 1.0}


@dataclass(frozen=True, slots=True)
class ContactDecision:
    sender: str
    recipient: str
    kind: str
    action: Action
    reasons: tuple[str, ...] = ()
    warn: str | None = None  # which side is warned: "recipient" or "sender" (always the minor)
    safety_tools: tuple[str, ...] = field(default=())

    def to_signal(self, platform: str) -> Signal:
        return Signal(
            platform,
            EntityType.ACCOUNT,
            self.sender,
            KIND,
            SOURCE,
            _SCORE[self.action],
            {
                "recipient": self.recipient,
                "contact": self.kind,
                "action": str(self.action),
                "reasons": list(self.reasons),
                "warn": self.warn,
            },
            key=f"{self.kind}:{self.recipient}",
        )


class ContactGuard:
    """``sink`` receives each decision's signal (``store.signals.add`` in the service)."""

    def __init__(self, state: GuardState | Snapshot, sink: Callable[[Signal], None] | None = None) -> None:
        self._state = state
        self._sink = sink

    def check(self, sender: str, recipient: str, kind: str = "follow") -> ContactDecision:
        if kind not in CONTACT_KINDS:
            allowed = ", ".join(CONTACT_KINDS)
            raise InputError(f"contact kind must be one of {allowed}, got {kind!r}", field="kind")
        snap = self._state if isinstance(self._state, Snapshot) else self._state.snapshot
        decision = decide(snap, sender, recipient, kind)
        if self._sink is not None:
            self._sink(decision.to_signal(snap.platform))
        return decision


def decide(snap: Snapshot, sender: str, recipient: str, kind: str) -> ContactDecision:
    s, r = snap.index.get(sender, -1), snap.index.get(recipient, -1)
    s_age = int(snap.age[s]) if s >= 0 else AGE_UNKNOWN
    r_age = int(snap.age[r]) if r >= 0 else AGE_UNKNOWN
    adult = AGE_ADULT, *((AGE_UNKNOWN,) if snap.policy.unknown_age_as_adult else ())
    connected = s >= 0 and r >= 0 and snap.connected(s, r)

    def out(action: Action, reasons: list[str], warn: str | None = None) -> ContactDecision:
        tools = SAFETY_TOOLS if warn else ()
        return ContactDecision(sender, recipient, kind, action, tuple(reasons), warn, tools)

    if r_age == AGE_MINOR and s_age in adult:
        reasons = _sender_reasons(snap, s)
        if s >= 0 and snap.unsafe[s]:
            return out(Action.BLOCK, reasons)
        if s >= 0 and snap.score[s] >= snap.policy.block_threshold:
            return out(Action.BLOCK, reasons)
        if reasons:
            return out(Action.HOLD, reasons)
        if not connected:
            return out(Action.WARN, ["adult_not_connected"], warn="recipient")
        return out(Action.ALLOW, [])
    if s_age == AGE_MINOR and r >= 0 and r_age != AGE_MINOR:
        reasons = _sender_reasons(snap, r)
        if snap.unsafe[r]:
            return out(Action.BLOCK, reasons, warn="sender")
        if reasons:
            return out(Action.WARN, reasons, warn="sender")
    return out(Action.ALLOW, [])


def _sender_reasons(snap: Snapshot, i: int) -> list[str]:
    """Why an account is a risk to minors, in the filter's vocabulary."""
    if i < 0:
        return []
    reasons = []
    if snap.unsafe[i]:
        reasons.append("network_member" if snap.flags[i] & MEMBER else "network_orbit")
    if snap.flags[i] & CASE:
        reasons.append("pending_case")
    if snap.score[i] >= snap.policy.suspicion_threshold:
        reasons.append("suspicious_signals")
    return reasons
