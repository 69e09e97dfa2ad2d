"""What an enforcement action is. Every action carries the id of the reviewed decision it carries out
(:class:`bastion.core.decision.Decision`, re-exported here); who decided, why and under which clause are read
from that decision, never stored again with the action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bastion.core.decision import Decision
from bastion.core.errors import InputError
from bastion.core.timefmt import iso

__all__ = [
    "CYBERTIP_DRAFT",
    "DEFAULT_ROLE_PLAN",
    "RESTRICTIONS",
    "Action",
    "ActionEvent",
    "ActionKind",
    "ActionState",
    "Decision",
    "parse_kinds",
]


class ActionKind(StrEnum):
    REMOVE_CONTENT = "remove_content"
    DISABLE_ACCOUNT = "disable_account"
    RESTRICT_SEARCH = "restrict_search"  # the account cannot be found through search
    RESTRICT_RECOMMENDATIONS = "restrict_recommendations"  # never recommended to anyone
    RESTRICT_MESSAGES_TO_MINORS = "restrict_messages_to_minors"  # cannot start conversations with minors
    # the account's posts and messages look sent to it but reach nobody (Matrix: Synapse's shadow-ban);
    # unlike disable_account it does not tip the account off, and an upheld appeal lifts it
    SHADOW_BAN = "shadow_ban"
    PRESERVE_EVIDENCE = "preserve_evidence"  # the platform keeps the account's data (18 U.S.C. 2258A(h))
    NOTIFY = "notify"  # the platform tells the account holder what was decided and how to appeal


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


#: Not an action on the platform: a CyberTipline report draft a decision policy can ask for.
CYBERTIP_DRAFT = "cybertip_draft"


class ActionState(StrEnum):
    ACTIVE = "active"
    REVERSED = "reversed"


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
    decision_id: int | None = None
    case_id: int | None = None  # the review case the decision was made on, if any


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
    decision_id: int | None = None  # the decision this change carries out (the reversing one for reversals)

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
            "decision_id": self.decision_id,
            "case_id": a.case_id,
        }


def parse_kinds(values: list[str] | tuple[str, ...]) -> tuple[ActionKind, ...]:
    out = []
    for v in values:
        if v == CYBERTIP_DRAFT:
            raise InputError(
                f"{CYBERTIP_DRAFT} is not an action on the platform; build a report instead", field="action"
            )
        try:
            out.append(ActionKind(v))
        except ValueError:
            known = ", ".join(k.value for k in ActionKind)
            raise InputError(f"unknown action {v!r} (known: {known})", field="action") from None
    return tuple(out)
