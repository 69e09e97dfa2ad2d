"""The operator's decision policy: which actions follow a final decision, by outcome × category × role.

A TOML file (``BASTION_DECISION_POLICY``; the default ships as ``enforce/data/decision_policy.toml``) with
tables ``[outcome.category]`` mapping each role to a list of actions. Enforcement owns the actions, so the
policy is read and checked here, once, when the service starts: a mistake names the file and the field
(``violating.child_safety.seller``) instead of surfacing as a missing takedown later.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.core.decision import FINAL_OUTCOMES, ROLES
from bastion.core.errors import InputError
from bastion.enforce.model import CYBERTIP_DRAFT, ActionKind

DEFAULT_POLICY = Path(__file__).with_name("data") / "decision_policy.toml"
ANY_CATEGORY = "*"
#: Every action name a policy may use.
ACTIONS = (*(k.value for k in ActionKind), CYBERTIP_DRAFT)


@dataclass(frozen=True, slots=True)
class Plan:
    """What one subject gets: platform actions, and whether a CyberTipline draft is opened for it."""

    kinds: tuple[ActionKind, ...] = ()
    cybertip_draft: bool = False


@dataclass(frozen=True, slots=True)
class DecisionPolicy:
    source: str
    rules: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]]  # outcome -> category -> role -> actions

    def plan(self, outcome: str, category: str | None, role: str) -> Plan:
        """The category's own table if it has one, else the ``*`` table; a role it does not list gets none."""
        by_category = self.rules.get(outcome, {})
        table = by_category.get(category or "", by_category.get(ANY_CATEGORY, {}))
        names = table.get(role, ())
        return Plan(tuple(ActionKind(n) for n in names if n != CYBERTIP_DRAFT), CYBERTIP_DRAFT in names)


def load_decision_policy(path: str | Path | None = None) -> DecisionPolicy:
    """Read and check a policy file (the shipped default without ``path``)."""
    where = Path(path) if path else DEFAULT_POLICY
    try:
        raw = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the decision policy: {exc.strerror}", file=str(where)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", file=str(where)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(where)) from None
    return parse_decision_policy(raw, str(where))


def parse_decision_policy(raw: Mapping[str, Any], source: str) -> DecisionPolicy:
    def bad(message: str, field: str) -> InputError:
        return InputError(message, file=source, field=field)

    rules: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
    for outcome, categories in raw.items():
        if outcome not in FINAL_OUTCOMES:
            raise bad(f"unknown outcome (known: {', '.join(FINAL_OUTCOMES)})", outcome)
        if not isinstance(categories, dict):
            raise bad("must be a table of categories, e.g. [violating.child_safety]", outcome)
        for category, roles in categories.items():
            here = f"{outcome}.{category}"
            if not isinstance(roles, dict):
                raise bad('must be a table of roles, e.g. seller = ["disable_account"]', here)
            for role, actions in roles.items():
                field = f"{here}.{role}"
                if role not in ROLES:
                    raise bad(f"unknown role (known: {', '.join(ROLES)})", field)
                if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
                    raise bad("must be a list of action names", field)
                unknown = [a for a in actions if a not in ACTIONS]
                if unknown:
                    raise bad(f"unknown action {unknown[0]!r} (known: {', '.join(ACTIONS)})", field)
                rules.setdefault(outcome, {}).setdefault(category, {})[role] = tuple(dict.fromkeys(actions))
            rules.setdefault(outcome, {}).setdefault(category, {})
    return DecisionPolicy(source, rules)


__all__ = [
    "ACTIONS",
    "DEFAULT_POLICY",
    "DecisionPolicy",
    "Plan",
    "load_decision_policy",
    "parse_decision_policy",
]
