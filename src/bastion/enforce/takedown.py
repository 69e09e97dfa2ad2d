"""Network takedown: one reviewed decision acts on every member of a network, by role, in one transaction.

Membership is read from ``network_member`` signals (source ``graph``), so this works on whatever the network
detector last stored. The preview shows who is affected, in which role, with which evidence and which actions.
Applying is all-or-nothing in the database; delivery to the platform follows and is tracked per action, and
re-running the same takedown creates nothing already active and leaves the retries to finish the rest.
``remove_content`` on an account means all of that account's content.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, insert, select

from bastion.core.decision import TAKEDOWN, Subject
from bastion.core.errors import InputError, NotFound
from bastion.core.signals import named
from bastion.enforce.actions import insert_action
from bastion.enforce.model import DEFAULT_ROLE_PLAN, ActionKind, ActionState, Decision
from bastion.enforce.webhook import action_delivery_status
from bastion.store import Store
from bastion.store.decisions import save_decision
from bastion.store.tables_enforce import enforce_actions, enforce_takedowns

MEMBER_KIND = named("network_member")  # declared by graph (graph/kinds.py)


@dataclass(frozen=True, slots=True)
class MemberPlan:
    account_id: str
    role: str
    score: float
    evidence: list[str]  # plain words a reviewer can check
    actions: tuple[ActionKind, ...]
    already: tuple[ActionKind, ...] = ()  # active from an earlier decision; not repeated

    @property
    def todo(self) -> tuple[ActionKind, ...]:
        return tuple(k for k in self.actions if k not in self.already)

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "role": self.role,
            "score": round(self.score, 4),
            "evidence": self.evidence,
            "actions": [str(k) for k in self.actions],
            "already_active": [str(k) for k in self.already],
        }


@dataclass(frozen=True, slots=True)
class TakedownPreview:
    platform: str
    network_id: str
    members: list[MemberPlan]

    def by_role(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m in self.members:
            out[m.role] = out.get(m.role, 0) + 1
        return out

    @property
    def new_actions(self) -> int:
        return sum(len(m.todo) for m in self.members)


@dataclass(frozen=True, slots=True)
class TakedownResult:
    takedown_id: int
    created: int
    skipped: int
    preview: TakedownPreview
    action_ids: list[int] = field(default_factory=list)


def _evidence_words(evidence: Mapping[str, Any]) -> list[str]:
    items = evidence.get("evidence") or []
    words = [str(e.get("text", e)) if isinstance(e, Mapping) else str(e) for e in items]
    return words or [f"member of network {evidence.get('network_id')} as {evidence.get('role')}"]


class Takedowns:
    def __init__(self, store: Store, plan: Mapping[str, tuple[ActionKind, ...]] | None = None) -> None:
        self.store = store
        self.plan = dict(plan or DEFAULT_ROLE_PLAN)

    def networks(self, platform: str | None = None) -> dict[tuple[str, str], int]:
        """Networks known from member signals: (platform, network id) -> member count."""
        out: dict[tuple[str, str], int] = {}
        for s in self.store.signals.of_kind(MEMBER_KIND, platform):
            key = (s.platform, str(s.evidence.get("network_id")))
            out[key] = out.get(key, 0) + 1
        return out

    def resolve_platform(self, network_id: str, platform: str | None) -> str:
        found = sorted({p for p, n in self.networks(platform) if n == network_id})
        if not found:
            raise NotFound(f"no network {network_id!r} in network_member signals")
        if len(found) > 1:
            raise InputError(f"network {network_id!r} exists on several platforms: {found}; name one")
        return found[0]

    def preview(self, network_id: str, platform: str | None = None) -> TakedownPreview:
        platform = self.resolve_platform(network_id, platform)
        active = self._active(platform)
        members = []
        for s in self.store.signals.of_kind(MEMBER_KIND, platform):
            if str(s.evidence.get("network_id")) != network_id:
                continue
            role = str(s.evidence.get("role", "unknown"))
            kinds = self.plan.get(role, ())
            already = tuple(k for k in kinds if k in active.get(s.entity_id, set()))
            members.append(
                MemberPlan(s.entity_id, role, s.score, _evidence_words(s.evidence), kinds, already)
            )
        members.sort(key=lambda m: (m.role, -m.score, m.account_id))
        return TakedownPreview(platform, network_id, members)

    def apply(self, network_id: str, decision: Decision, platform: str | None = None) -> TakedownResult:
        """Record the decision (a lead's takedown outside a case, unless already stored), every member's
        actions and their deliveries in one transaction (or nothing at all)."""
        preview = self.preview(network_id, platform)
        if not any(m.actions for m in preview.members):
            raise InputError(f"the plan acts on no member of network {network_id!r}", field="plan")
        skipped = sum(len(m.already) for m in preview.members)
        with self.store.engine.begin() as conn:
            if preview.new_actions == 0:
                existing = conn.execute(
                    select(enforce_takedowns.c.takedown_id)
                    .where(
                        enforce_takedowns.c.platform == preview.platform,
                        enforce_takedowns.c.network_id == network_id,
                    )
                    .order_by(enforce_takedowns.c.takedown_id.desc())
                ).scalar()
                if existing is not None:
                    return TakedownResult(int(existing), 0, skipped, preview)
            if decision.decision_id is None:
                decision = save_decision(
                    conn,
                    replace(
                        decision,
                        stage=TAKEDOWN,
                        platform=preview.platform,
                        subjects=tuple(
                            Subject(preview.platform, m.account_id, m.role) for m in preview.members
                        ),
                    ),
                )
            takedown_id = int(
                conn.execute(
                    insert(enforce_takedowns).values(
                        platform=preview.platform,
                        network_id=network_id,
                        decision_id=decision.decision_id,
                        decided_at=decision.at,
                        plan={role: [str(k) for k in kinds] for role, kinds in self.plan.items()},
                        members=len(preview.members),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
            ids = [
                insert_action(
                    conn, preview.platform, m.account_id, kind, decision, takedown_id=takedown_id, role=m.role
                )
                for m in preview.members
                for kind in m.todo
            ]
        return TakedownResult(takedown_id, len(ids), skipped, preview, ids)

    def status(self, takedown_id: int) -> list[dict[str, Any]]:
        """Every action of a takedown with its delivery status (pending, delivered, dead)."""
        with self.store.engine.connect() as conn:
            if (
                conn.execute(
                    select(enforce_takedowns.c.takedown_id).where(
                        enforce_takedowns.c.takedown_id == takedown_id
                    )
                ).first()
                is None
            ):
                raise NotFound(f"no takedown {takedown_id}")
            rows = list(
                conn.execute(
                    select(enforce_actions)
                    .where(enforce_actions.c.takedown_id == takedown_id)
                    .order_by(enforce_actions.c.action_id)
                )
            )
        delivery = action_delivery_status(self.store, [r.action_id for r in rows])
        return [
            {
                "action_id": r.action_id,
                "account_id": r.account_id,
                "role": r.role,
                "action": r.kind,
                "state": r.state,
                "delivery": delivery.get(r.action_id, "pending"),
            }
            for r in rows
        ]

    def _active(self, platform: str) -> dict[str, set[ActionKind]]:
        query = select(enforce_actions.c.account_id, enforce_actions.c.kind).where(
            and_(
                enforce_actions.c.platform == platform,
                enforce_actions.c.state == str(ActionState.ACTIVE),
                enforce_actions.c.target_type == "account",
            )
        )
        out: dict[str, set[ActionKind]] = {}
        with self.store.engine.connect() as conn:
            for account_id, kind in conn.execute(query):
                out.setdefault(account_id, set()).add(ActionKind(kind))
        return out
