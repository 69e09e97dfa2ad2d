"""The search guard: allow, warn or block a query before results are shown.

A block has no "see results anyway": the decision type carries no bypass flag and the policy has no setting
for one, so no caller can offer it by mistake. A warning may let the person continue; it still produces an
event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bastion.core.errors import ConfigError
from bastion.terms.lexicon import Severity
from bastion.terms.matcher import Match, Matcher
from bastion.terms.views import FieldKind

DEFAULT_BLOCK_MESSAGE = (
    "Results for this search are not shown because it is associated with the abuse and exploitation of "
    "children. "
    "Searching for, viewing or sharing such material harms children and is illegal. Help is available."
)
DEFAULT_WARN_MESSAGE = "Some results for this search may be harmful. Help and reporting tools are available."


class Action(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class HelpResource:
    name: str
    url: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Viewer:
    account_id: str | None = None
    age_band: str = "unknown"  # bastion.core.model.AgeBand values
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """Operator configuration: which categories and severities block or warn, and what people are told."""

    block_categories: frozenset[str] = frozenset()
    warn_categories: frozenset[str] = frozenset()
    block_severity: Severity | None = Severity.CRITICAL
    warn_severity: Severity | None = Severity.LOW
    block_message: str = DEFAULT_BLOCK_MESSAGE
    warn_message: str = DEFAULT_WARN_MESSAGE
    resources: tuple[HelpResource, ...] = ()
    minors_block_on_warn: bool = True  # a warning for an adult is a block for a minor

    def __post_init__(self) -> None:
        both = self.block_categories & self.warn_categories
        if both:
            raise ConfigError(f"categories cannot both block and warn: {sorted(both)}")
        if not self.block_message.strip():
            raise ConfigError("the block message must not be empty: it is the deterrence people see")


@dataclass(frozen=True, slots=True)
class SearchEvent:
    """What the caller logs for every warned or blocked search (blocks feed the network detector)."""

    account_id: str | None
    session_id: str | None
    query: str
    action: Action
    categories: tuple[str, ...]
    terms: tuple[str, ...]
    evasions: tuple[str, ...]
    at: datetime

    def as_evidence(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "action": self.action.value,
            "categories": list(self.categories),
            "terms": list(self.terms),
            "evasions": list(self.evasions),
            "session_id": self.session_id,
            "at": self.at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class GuardDecision:
    action: Action
    query: str
    matches: tuple[Match, ...]
    message: str = ""
    resources: tuple[HelpResource, ...] = ()
    event: SearchEvent | None = field(default=None)

    @property
    def can_proceed(self) -> bool:
        """Whether the person may see results: never for a block, whatever the configuration."""
        return self.action is not Action.BLOCK

    @property
    def should_log(self) -> bool:
        return self.event is not None


class SearchGuard:
    def __init__(
        self, matcher: Matcher, policy: GuardPolicy, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.matcher = matcher
        self.policy = policy
        self._clock = clock or (lambda: datetime.now(UTC))

    def _action_for(self, matches: Iterable[Match], viewer: Viewer) -> Action:
        p = self.policy
        action = Action.ALLOW
        for m in matches:
            if m.category in p.block_categories or (
                p.block_severity is not None and m.severity >= p.block_severity
            ):
                return Action.BLOCK
            if m.category in p.warn_categories or (
                p.warn_severity is not None and m.severity >= p.warn_severity
            ):
                action = Action.WARN
        if action is Action.WARN and p.minors_block_on_warn and viewer.age_band == "minor":
            return Action.BLOCK
        return action

    def guard_search(self, query: str, viewer: Viewer) -> GuardDecision:
        matches = tuple(self.matcher.match(query, FieldKind.QUERY))
        action = self._action_for(matches, viewer) if matches else Action.ALLOW
        if action is Action.ALLOW:
            return GuardDecision(Action.ALLOW, query, matches)
        event = SearchEvent(
            account_id=viewer.account_id,
            session_id=viewer.session_id,
            query=query,
            action=action,
            categories=tuple(sorted({m.category for m in matches})),
            terms=tuple(sorted({m.term for m in matches})),
            evasions=tuple(sorted({e for m in matches for e in m.evasions})),
            at=self._clock(),
        )
        message = self.policy.block_message if action is Action.BLOCK else self.policy.warn_message
        return GuardDecision(action, query, matches, message, self.policy.resources, event)


def guard_search(query: str, viewer: Viewer, guard: SearchGuard) -> GuardDecision:
    """Functional form of :meth:`SearchGuard.guard_search`."""
    return guard.guard_search(query, viewer)
