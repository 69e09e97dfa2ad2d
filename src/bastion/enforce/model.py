"""What an enforcement action is, and the reviewed decision every action must carry.

An action without a named actor, a reason and a policy clause cannot be appealed, audited or explained to
the person it hit, so :class:`Decision` refuses to exist without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bastion.core.errors import InputError
from bastion.core.timefmt import iso, utcnow


class ActionKind(StrEnum):
    REMOVE_CONTENT = "remove_content"
    DISABLE_ACCOUNT = "disable_account"
    RESTRICT_SEARCH = "restrict_search"  # the account cannot be found through search
    RESTRICT_RECOMMENDATIONS = "restrict_recommendations"  # never recommended to anyone
    RESTRICT_MESSAGES_TO_MINORS = "restrict_messages_to_minors"  # cannot start conversations with minors


RESTRICTIONS = (
    ActionKind.RESTRICT_SEARCH,
    ActionKind.RESTRICT_RECOMMENDATIONS,
    ActionKind.RESTRICT_MESSAGES_TO_MINORS,
)

#: What a network takedown does to each role unless the decision says otherwise.
DEFAULT_ROLE_PLAN: Mapping[str, tuple[ActionKind, ...]] = {
    "seller": (ActionKind.DISABLE_ACCOUNT, ActionKind.REMOVE_CONTENT),
    "facilitator": (ActionKind.DISABLE_ACCOUNT,),
    "buyer": RESTRICTIONS,
}


class ActionState(StrEnum):
    ACTIVE = "active"
    REVERSED = "reversed"


@dataclass(frozen=True, slots=True)
class Decision:
    """A reviewed decision: who decided, why, under which policy clause, and when."""

    actor: str
    reason: str
    clause: str
    at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        for name in ("actor", "reason", "clause"):
            if not str(getattr(self, name)).strip():
                raise InputError(f"a decision needs a non-empty {name}", field=name)
        if self.at.tzinfo is None:
            raise InputError("decision time must carry a time zone", field="at")

    def as_json(self) -> dict[str, Any]:
        return {"actor": self.actor, "reason": self.reason, "clause": self.clause, "at": iso(self.at)}


@dataclass(frozen=True, slots=True)
class Action:
    action_id: int
    platform: str
    account_id: str
    target_type: str
    target_id: str
    kind: ActionKind
    state: ActionState
    reason: str
    clause: str
    actor: str
    decided_at: datetime
    takedown_id: int | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class ActionEvent:
    """One change of an action (applied or reversed), as delivered to and pulled by the platform."""

    event_id: int
    delivery_id: str
    event: str
    action: Action
    actor: str
    reason: str
    clause: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        a = self.action
        return {
            "event_id": self.event_id,
            "delivery_id": self.delivery_id,
            "event": self.event,
            "action_id": a.action_id,
            "platform": a.platform,
            "account_id": a.account_id,
            "target_type": a.target_type,
            "target_id": a.target_id,
            "action": str(a.kind),
            "state": str(a.state),
            "actor": self.actor,
            "reason": self.reason,
            "clause": self.clause,
            "at": iso(self.at),
            "takedown_id": a.takedown_id,
            "role": a.role,
        }


def parse_kinds(values: list[str] | tuple[str, ...]) -> tuple[ActionKind, ...]:
    out = []
    for v in values:
        try:
            out.append(ActionKind(v))
        except ValueError:
            known = ", ".join(k.value for k in ActionKind)
            raise InputError(f"unknown action {v!r} (known: {known})", field="action") from None
    return tuple(out)
