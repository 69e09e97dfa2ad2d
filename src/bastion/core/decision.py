"""The decision record every capability shares: who decided what about whom, why, under which clause, when.

A decision is made once, in review (a case) or by a lead outside a case, and stored once
(``review_decisions``, through :mod:`bastion.store.decisions`). Enforcement and reporting read it by id
instead of asking for the reviewer, reason and clause again. An action without a named actor, a reason
and a clause cannot be appealed, audited or explained to the person it hit, so :class:`Decision` refuses
to exist without them.

:class:`DecisionHandler` is the seam between review and what follows a decision: review calls it inside the
transaction that records the final decision, so the decision and its consequences commit (or fail) together,
and review never imports enforcement.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bastion.core.errors import InputError
from bastion.core.timefmt import iso, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Connection

#: Outcomes that close a case (``escalate`` only moves it to a lead).
FINAL_OUTCOMES = ("violating", "not_violating")
#: Roles a decision's subject can have: network roles, or ``subject`` for the account of a single case.
ROLES = ("seller", "buyer", "facilitator", "member", "subject")
#: Stages of decisions made outside review's case flow.
MANUAL = "manual"  # a lead's action outside a case (``POST /v1/actions``, the CLI)
TAKEDOWN = "takedown"  # a lead's network takedown outside a case
REVERSAL = "reversal"  # a lead's reversal of one action outside a case
SERVER_BAN = "server_ban"  # a lead's decision on a whole server (violating: banned; not_violating: lifted)
#: The role of a server decision's one subject, whose ``account_id`` is the server's name (no account is acted
#: on; the exchange capability publishes it as an ``m.policy.rule.server`` rule).
SERVER_ROLE = "server"


@dataclass(frozen=True, slots=True)
class Subject:
    """One account a decision covers, in its role; ``post_id`` when the decision is about one post,
    ``network_id`` when it is about the network the account is a member of."""

    platform: str
    account_id: str
    role: str = "subject"
    post_id: str | None = None
    network_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account_id": self.account_id,
            "role": self.role,
            "post_id": self.post_id,
            "network_id": self.network_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Subject:
        return cls(
            str(data["platform"]),
            str(data["account_id"]),
            str(data.get("role") or "subject"),
            data.get("post_id"),
            data.get("network_id"),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """A reviewed decision; positional (actor, reason, clause, at) for a lead's decision outside a case."""

    actor: str
    reason: str
    clause: str
    at: datetime = field(default_factory=utcnow)
    outcome: str = "violating"
    category: str | None = None
    case_id: int | None = None
    stage: str = MANUAL
    platform: str | None = None
    subjects: tuple[Subject, ...] = ()
    final: bool = True  # this decision settles its case (or stands alone)
    decision_id: int | None = None

    def __post_init__(self) -> None:
        for name in ("actor", "reason", "clause"):
            if not str(getattr(self, name)).strip():
                raise InputError(f"a decision needs a non-empty {name}", field=name)
        if self.at.tzinfo is None:
            raise InputError("decision time must carry a time zone", field="at")

    def with_id(self, decision_id: int) -> Decision:
        return replace(self, decision_id=decision_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "case_id": self.case_id,
            "stage": self.stage,
            "outcome": self.outcome,
            "category": self.category,
            "actor": self.actor,
            "reason": self.reason,
            "clause": self.clause,
            "at": iso(self.at),
            "subjects": [s.as_json() for s in self.subjects],
        }


@dataclass(frozen=True, slots=True)
class DecisionEffects:
    """What applying a decision did: actions created and reversed, CyberTipline drafts opened, withdrawn."""

    action_ids: tuple[int, ...] = ()
    reversed_ids: tuple[int, ...] = ()
    report_ids: tuple[int, ...] = ()
    withdrawn_report_ids: tuple[int, ...] = ()

    def as_json(self) -> dict[str, list[int]]:
        return {
            "action_ids": list(self.action_ids),
            "reversed_action_ids": list(self.reversed_ids),
            "report_ids": list(self.report_ids),
            "withdrawn_report_ids": list(self.withdrawn_report_ids),
        }


class DecisionHandler(Protocol):
    """Called with the open transaction that records a final decision (already stored, with its id) and the
    case's previous final decision, if any (an appeal). Raising rolls the decision back with everything."""

    def __call__(
        self, conn: Connection, decision: Decision, previous: Decision | None
    ) -> DecisionEffects: ...
