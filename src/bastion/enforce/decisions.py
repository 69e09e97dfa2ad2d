"""What follows a final decision, in the transaction that records it: enforcement's decision handler.

Review calls :class:`DecisionActions` (a :class:`bastion.core.decision.DecisionHandler`) with its open
connection, so the decision, its actions, their deliveries and its CyberTipline drafts commit together or
not at all. The decision policy says which actions each subject gets. When a case's final decision changes
(an upheld appeal), the actions the earlier decision created are reversed, carrying the new decision, and its
drafts not yet built are withdrawn; an appeal that is not upheld leaves them standing and creates nothing.
Actions reference the decision by id: enforcement reads decisions, it never asks for them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, insert, select, update

from bastion.core.decision import ROLES, Decision, DecisionEffects, Subject
from bastion.core.errors import InputError
from bastion.core.timefmt import utcnow
from bastion.enforce.actions import insert_action, reverse_action
from bastion.enforce.decision_policy import DecisionPolicy, load_decision_policy
from bastion.enforce.model import ActionKind, ActionState
from bastion.store.tables_enforce import cybertip_reports, enforce_actions, enforce_takedowns

DRAFT = "draft"
WITHDRAWN = "withdrawn"


def policy_role(role: str) -> str:
    """A network role the policy knows (the detector's ``unknown`` and others are plain members)."""
    return role if role in ROLES else "member"


class DecisionActions:
    """Creates a final decision's actions and drafts from the policy, and reverses an overturned one's."""

    def __init__(self, policy: DecisionPolicy, *, cybertip_environment: str = "test") -> None:
        self.policy = policy
        self.cybertip_environment = cybertip_environment

    def __call__(self, conn: Connection, decision: Decision, previous: Decision | None) -> DecisionEffects:
        if decision.decision_id is None:
            raise InputError("store the decision before applying it", field="decision_id")
        reversed_ids: list[int] = []
        withdrawn: list[int] = []
        if previous is not None and previous.decision_id is not None:
            if previous.outcome == decision.outcome:
                return DecisionEffects()  # not upheld: what the earlier decision did stands
            reversed_ids = reverse_decision(conn, previous.decision_id, decision)
            withdrawn = withdraw_drafts(conn, previous.decision_id)
        action_ids: list[int] = []
        report_ids: list[int] = []
        active = _active(conn, decision.subjects)
        takedowns = self._takedowns(conn, decision)
        for s in decision.subjects:
            plan = self.policy.plan(decision.outcome, decision.category, policy_role(s.role))
            for kind in plan.kinds:
                post = s.post_id if kind == ActionKind.REMOVE_CONTENT else None
                target = ("post", post) if post else ("account", s.account_id)
                if (s.platform, *target, kind) in active:
                    continue  # already in force from an earlier decision; not repeated
                active.add((s.platform, *target, kind))
                action_ids.append(
                    insert_action(
                        conn,
                        s.platform,
                        s.account_id,
                        kind,
                        decision,
                        target=target,
                        takedown_id=takedowns.get((s.platform, s.network_id or "")),
                        role=s.role,
                    )
                )
            if plan.cybertip_draft:
                report_ids.append(self._draft(conn, decision, s))
        return DecisionEffects(tuple(action_ids), tuple(reversed_ids), tuple(report_ids), tuple(withdrawn))

    def _draft(self, conn: Connection, decision: Decision, subject: Subject) -> int:
        """A CyberTipline report draft for one subject, referencing the case and decision (built later)."""
        ref = str(decision.case_id) if decision.case_id is not None else f"decision-{decision.decision_id}"
        return int(
            conn.execute(
                insert(cybertip_reports).values(
                    platform=subject.platform,
                    case_ref=ref,
                    account_id=subject.account_id,
                    environment=self.cybertip_environment,
                    status=DRAFT,
                    created_at=utcnow(),
                    case_id=decision.case_id,
                    decision_id=decision.decision_id,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )

    def _takedowns(self, conn: Connection, decision: Decision) -> dict[tuple[str, str], int]:
        """One takedown row per network the decision acts on, so takedown status and transparency see it."""
        members: dict[tuple[str, str], list[Subject]] = {}
        for s in decision.subjects:
            if s.network_id:
                members.setdefault((s.platform, s.network_id), []).append(s)
        out: dict[tuple[str, str], int] = {}
        for (platform, network_id), subjects in members.items():
            plan = {
                role: [str(k) for k in self.policy.plan(decision.outcome, decision.category, role).kinds]
                for role in sorted({policy_role(s.role) for s in subjects})
            }
            if not any(plan.values()):
                continue
            out[(platform, network_id)] = int(
                conn.execute(
                    insert(enforce_takedowns).values(
                        platform=platform,
                        network_id=network_id,
                        decision_id=decision.decision_id,
                        decided_at=decision.at,
                        plan=plan,
                        members=len(subjects),
                    )
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        return out


@dataclass(frozen=True, slots=True)
class PlannedEffect:
    """What a decision would do to one subject: the policy's actions, those already in force (not repeated),
    and whether a CyberTipline draft would be opened."""

    subject: Subject
    policy_role: str
    actions: tuple[ActionKind, ...]
    already: tuple[ActionKind, ...]
    cybertip_draft: bool

    @property
    def todo(self) -> tuple[ActionKind, ...]:
        return tuple(k for k in self.actions if k not in self.already)


def preview_decision(
    conn: Connection,
    policy: DecisionPolicy,
    outcome: str,
    category: str | None,
    subjects: Sequence[Subject],
) -> list[PlannedEffect]:
    """What :class:`DecisionActions` would create for ``outcome`` on ``subjects``, read without writing
    anything, so a lead sees a decision's consequences before confirming it."""
    active = _active(conn, subjects)
    out = []
    for s in subjects:
        role = policy_role(s.role)
        plan = policy.plan(outcome, category, role)
        already = []
        for kind in plan.kinds:
            post = s.post_id if kind == ActionKind.REMOVE_CONTENT else None
            target = ("post", post) if post else ("account", s.account_id)
            if (s.platform, *target, kind) in active:
                already.append(kind)
        out.append(PlannedEffect(s, role, plan.kinds, tuple(already), plan.cybertip_draft))
    return out


def reverse_decision(conn: Connection, decision_id: int, reversal: Decision) -> list[int]:
    """Reverse every action still active that decision ``decision_id`` created; returns their ids."""
    ids = list(
        conn.scalars(
            select(enforce_actions.c.action_id)
            .where(
                enforce_actions.c.decision_id == decision_id,
                enforce_actions.c.state == str(ActionState.ACTIVE),
            )
            .order_by(enforce_actions.c.action_id)
        )
    )
    for action_id in ids:
        reverse_action(conn, action_id, reversal)
    return ids


def withdraw_drafts(conn: Connection, decision_id: int) -> list[int]:
    """Withdraw the decision's CyberTipline drafts not yet built (a built or sent report is left alone)."""
    ids = list(
        conn.scalars(
            select(cybertip_reports.c.local_id).where(
                cybertip_reports.c.decision_id == decision_id, cybertip_reports.c.status == DRAFT
            )
        )
    )
    if ids:
        conn.execute(
            update(cybertip_reports)
            .where(cybertip_reports.c.local_id.in_(ids))
            .values(status=WITHDRAWN, last_change_at=utcnow())
        )
    return ids


def _active(conn: Connection, subjects: Iterable[Subject]) -> set[tuple[str, str, str, ActionKind]]:
    """Actions in force on the subjects' accounts and their content: (platform, target type, id, kind)."""
    accounts: dict[str, set[str]] = {}
    for s in subjects:
        accounts.setdefault(s.platform, set()).add(s.account_id)
    out: set[tuple[str, str, str, ActionKind]] = set()
    for platform, ids in accounts.items():
        chunks = sorted(ids)
        for start in range(0, len(chunks), 500):
            rows = conn.execute(
                select(
                    enforce_actions.c.target_type, enforce_actions.c.target_id, enforce_actions.c.kind
                ).where(
                    and_(
                        enforce_actions.c.platform == platform,
                        enforce_actions.c.account_id.in_(chunks[start : start + 500]),
                        enforce_actions.c.state == str(ActionState.ACTIVE),
                    )
                )
            )
            out |= {(platform, t, i, ActionKind(k)) for t, i, k in rows}
    return out


def decision_actions(
    policy_path: str | None = None, *, cybertip_environment: str = "test"
) -> DecisionActions:
    """The handler with the operator's policy (checked now, so a bad file stops the service at start)."""
    return DecisionActions(load_decision_policy(policy_path), cybertip_environment=cybertip_environment)


__all__ = [
    "DecisionActions",
    "PlannedEffect",
    "decision_actions",
    "policy_role",
    "preview_decision",
    "reverse_decision",
    "withdraw_drafts",
]
