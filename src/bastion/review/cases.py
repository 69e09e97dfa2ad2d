"""Queues, claims and decisions. A claim is one conditional UPDATE (PostgreSQL picks the next case with
``FOR UPDATE SKIP LOCKED``), so two reviewers can never hold the same case; the decision, the next stage and
its audit row commit together.

Stages: ``first`` → closed, or ``second`` (a sample, and every 'not violating' on a child-safety case with a
hash match or network membership), or ``lead`` (escalation). ``second`` agreeing closes; disagreeing goes to
``lead``. An appeal re-opens a closed case at stage ``appeal`` for a reviewer who has not decided on it.

Each decision is one :class:`~bastion.core.decision.Decision` row. The one that closes the case (final) names
its subjects and is handed to ``on_decision`` (enforcement's handler, injected where the service is wired)
inside the same transaction, with the case's previous final decision when this one settles an appeal: the
decision and the actions it causes commit together, and a failure in either records neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, exists, func, insert, or_, select, true, update

from bastion.core.decision import Decision, DecisionEffects, DecisionHandler
from bastion.core.errors import Conflict, InputError, NotFound
from bastion.core.model import EntityType
from bastion.core.roles import Role
from bastion.core.timefmt import utcnow
from bastion.review import audit
from bastion.review.auth import Principal
from bastion.review.case_signals import record_verdict, sync_case_signals
from bastion.review.kinds import VERDICT
from bastion.review.policy import OUTCOMES, needs_second_review
from bastion.review.routing import route
from bastion.review.subjects import case_subjects, network_members
from bastion.review.triage import severe_now
from bastion.store.decisions import final_decision, save_decision
from bastion.store.signals import SignalRepository
from bastion.store.tables_review import review_cases, review_decisions, review_reveals

#: Stages of the case flow (decisions outside it, such as a lead's reversal of one action, may name a case).
REVIEW_STAGES = ("first", "second", "lead", "appeal")


def _stages_for(role: Role) -> tuple[str, ...]:
    if role == Role.LEAD:
        return ("first", "second", "appeal", "lead")
    if role == Role.REVIEWER:
        return ("first", "second", "appeal")
    return ()


def _claimable(me: Principal, now: datetime, timeout: timedelta) -> Any:
    """Open cases of a stage this role may take, never one this person decided already (second review and
    appeals need fresh eyes); a claim older than the timeout is free again."""
    decided_by_me = exists().where(
        review_decisions.c.case_id == review_cases.c.case_id, review_decisions.c.reviewer == me.name
    )
    stale = and_(review_cases.c.status == "in_review", review_cases.c.claimed_at < now - timeout)
    return and_(
        or_(review_cases.c.status == "open", stale),
        review_cases.c.stage.in_(_stages_for(me.role)),
        review_cases.c.canary.is_(False),
        ~decided_by_me,
    )


class CaseDesk:
    def __init__(
        self,
        engine: Engine,
        *,
        second_rate: float = 0.1,
        claim_timeout_minutes: float = 30,
        on_decision: DecisionHandler | None = None,
    ) -> None:
        self.engine = engine
        self.second_rate = second_rate
        self.timeout = timedelta(minutes=claim_timeout_minutes)
        #: What follows a final decision, in its transaction; None records decisions without consequences.
        self.on_decision = on_decision

    def queues(self, me: Principal, limit: int = 200) -> list[dict[str, Any]]:
        now = utcnow()
        query = (
            select(review_cases)
            .where(review_cases.c.canary.is_(False), review_cases.c.status != "closed")
            .order_by(review_cases.c.priority, review_cases.c.due_at, review_cases.c.case_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            mine = {
                r.case_id
                for r in conn.execute(select(review_cases.c.case_id).where(_claimable(me, now, self.timeout)))
            }
        for r in rows:
            r["claimable"] = r["case_id"] in mine
        return rows

    def get(self, case_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(review_cases).where(review_cases.c.case_id == case_id)).first()
            if row is None:
                raise NotFound(f"case {case_id} does not exist")
            decisions = [
                dict(d._mapping)
                for d in conn.execute(
                    select(review_decisions)
                    .where(review_decisions.c.case_id == case_id)
                    .order_by(review_decisions.c.decision_id)
                )
            ]
        return dict(row._mapping) | {"decisions": decisions}

    def held(self, me: Principal, case_id: int) -> dict[str, Any]:
        """The case, if ``me`` holds it: evidence is for the reviewer who claimed the case (409 otherwise)."""
        case = self.get(case_id)
        if case["assignee"] != me.name or case["status"] != "in_review":
            raise Conflict(f"claim case {case_id} before opening its evidence")
        return case

    def claim(self, me: Principal, case_id: int) -> dict[str, Any]:
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(review_cases)
                .where(review_cases.c.case_id == case_id, _claimable(me, now, self.timeout))
                .values(status="in_review", assignee=me.name, claimed_at=now, updated_at=now)
            )
            if result.rowcount != 1:
                raise Conflict(
                    f"case {case_id} cannot be claimed by {me.name} (taken, closed or not your stage)"
                )
            audit.append(conn, me.name, "case.claim", f"case:{case_id}")
        return self.get(case_id)

    def claimable_among(self, me: Principal, case_ids: Sequence[int]) -> set[int]:
        """Which of these cases ``me`` could claim now (a lead's bulk preview)."""
        query = select(review_cases.c.case_id).where(
            review_cases.c.case_id.in_(list(case_ids)), _claimable(me, utcnow(), self.timeout)
        )
        with self.engine.connect() as conn:
            return {int(i) for i in conn.execute(query).scalars()}

    def claimable_by_queue(self, me: Principal) -> dict[int, int]:
        """How many cases ``me`` could claim in each named queue."""
        query = (
            select(review_cases.c.queue_id, func.count())
            .where(_claimable(me, utcnow(), self.timeout))
            .group_by(review_cases.c.queue_id)
        )
        with self.engine.connect() as conn:
            return {int(q): int(n) for q, n in conn.execute(query) if q is not None}

    def claim_next(self, me: Principal, queue_id: int | None = None) -> dict[str, Any] | None:
        """The most urgent case ``me`` may take, in one named queue if given."""
        now = utcnow()
        in_queue = review_cases.c.queue_id == queue_id if queue_id is not None else true()
        pick = (
            select(review_cases.c.case_id)
            .where(_claimable(me, now, self.timeout), in_queue)
            .order_by(review_cases.c.priority, review_cases.c.due_at, review_cases.c.case_id)
            .limit(1)
        )
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                case_id = conn.execute(pick.with_for_update(skip_locked=True)).scalar()
                if case_id is None:
                    return None
                conn.execute(
                    update(review_cases)
                    .where(review_cases.c.case_id == case_id)
                    .values(status="in_review", assignee=me.name, claimed_at=now, updated_at=now)
                )
            else:  # SQLite: one statement under the database write lock is atomic
                case_id = conn.execute(
                    update(review_cases)
                    .where(review_cases.c.case_id == pick.scalar_subquery())
                    .values(status="in_review", assignee=me.name, claimed_at=now, updated_at=now)
                    .returning(review_cases.c.case_id)
                ).scalar()
                if case_id is None:
                    return None
            audit.append(conn, me.name, "case.claim", f"case:{case_id}")
        return self.get(int(case_id))

    def release(self, me: Principal, case_id: int) -> None:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(review_cases)
                .where(
                    review_cases.c.case_id == case_id,
                    review_cases.c.assignee == me.name,
                    review_cases.c.status == "in_review",
                )
                .values(status="open", assignee=None, claimed_at=None, updated_at=utcnow())
            )
            if result.rowcount != 1:
                raise Conflict(f"case {case_id} is not claimed by {me.name}")
            audit.append(conn, me.name, "case.release", f"case:{case_id}")

    def decide(
        self, me: Principal, case_id: int, outcome: str, clause: str, reason: str, *, via: str | None = None
    ) -> dict[str, Any]:
        """Record ``me``'s decision on a case they hold; ``via`` names a lead's bulk decision in the audit."""
        if outcome not in OUTCOMES:
            raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
        if not reason.strip():
            raise InputError("a reason is required", field="reason")
        if not clause.strip():
            raise InputError("a policy clause is required", field="clause")
        now = utcnow()
        with self.engine.begin() as conn:
            case = conn.execute(
                select(review_cases).where(
                    review_cases.c.case_id == case_id,
                    review_cases.c.assignee == me.name,
                    review_cases.c.status == "in_review",
                )
            ).first()
            if case is None:
                raise Conflict(f"case {case_id} is not claimed by {me.name}; claim it first")
            earlier = conn.execute(
                select(review_decisions)
                .where(review_decisions.c.case_id == case_id)
                .order_by(review_decisions.c.decision_id.desc())
            ).all()
            if (
                case.group_type == "network"
                and outcome == "violating"
                and not network_members(conn, case.platform, case.group_id)
            ):  # accepted, it would act on no one (an outside check's lead closed such a case, 0 actions)
                raise Conflict(
                    f"network {case.group_id} is no longer detected, nor merged into one that is: a "
                    "violating decision would act on no one; refer its accounts (bastion refer), and close "
                    "this one as not violating"
                )
            flags = {**case.flags, **severe_now(conn, case.platform, case.account_id)}
            against = _violating_elsewhere(conn, case) if outcome == "not_violating" else []
            stage, status, final = self._next(case, earlier, outcome, flags)
            if against and case.stage in ("first", "second") and status == "closed":
                # clearing an account another case found violating (its network's, say) is a lead's call:
                # both would stand, its enforcement and its clearance (an outside check saw just that)
                stage, status, final = "lead", "open", None
            closes = status == "closed"
            decision = save_decision(
                conn,
                Decision(
                    actor=me.name,
                    reason=reason,
                    clause=clause,
                    at=now,
                    outcome=outcome,
                    category=case.category,
                    case_id=case_id,
                    stage=case.stage,
                    platform=case.platform,
                    subjects=case_subjects(conn, case) if closes else (),
                    final=closes,
                ),
            )
            moved = conn.execute(
                update(review_cases)
                .where(
                    review_cases.c.case_id == case_id,
                    review_cases.c.assignee == me.name,
                    review_cases.c.status == "in_review",
                )
                .values(
                    stage=stage,
                    status=status,
                    outcome=final,
                    assignee=None,
                    claimed_at=None,
                    updated_at=now,
                    flags=flags,
                )
            )
            if moved.rowcount != 1:
                raise Conflict(f"case {case_id} changed while deciding")
            effects = DecisionEffects()
            if closes and self.on_decision is not None:
                previous = final_decision(conn, case_id, before=decision.decision_id)
                effects = self.on_decision(conn, decision, previous)
            audit.append(
                conn,
                me.name,
                "case.decide",
                f"case:{case_id}",
                {
                    "stage": case.stage,
                    "outcome": outcome,
                    "clause": clause,
                    "reason": reason,
                    "next": stage,
                    "decision_id": decision.decision_id,
                }
                | ({"effects": effects.as_json()} if effects != DecisionEffects() else {})
                | ({"contradicts_cases": against} if against else {})
                | ({"via": via} if via else {}),
            )
            if not closes:
                route(conn, [case_id], now=now)  # a new stage may need another queue (e.g. a lead's)
            sync_case_signals(conn)
            record_verdict(conn, case_id)
        return self.get(case_id) | {"effects": effects.as_json()}

    def _next(
        self, case: Any, earlier: Sequence[Any], outcome: str, flags: dict[str, Any]
    ) -> tuple[str, str, str | None]:
        """(next stage, status, final outcome) after this decision; ``flags``: the case's, with what the
        account carries now."""
        if outcome == "escalate":
            return "lead", "open", None  # a lead escalating keeps it in the lead queue
        if case.stage == "first":
            if needs_second_review(case.case_id, case.category, flags, outcome, self.second_rate):
                return "second", "open", None
            return "first", "closed", outcome
        if case.stage == "second":
            first = next((d for d in earlier if d.stage == "first"), None)
            if first is not None and first.outcome != outcome:
                return "lead", "open", None
            return "second", "closed", outcome
        return case.stage, "closed", outcome  # lead and appeal decide for good

    def appeal(
        self, actor: Principal, case_id: int, reason: str, *, platform: str | None = None
    ) -> dict[str, Any]:
        """Re-open a closed case; with ``platform``, only a case of that platform (its own appeal)."""
        if not reason.strip():
            raise InputError("an appeal needs the account holder's reason", field="reason")
        now = utcnow()
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(review_cases)
                .where(
                    review_cases.c.case_id == case_id,
                    review_cases.c.status == "closed",
                    review_cases.c.canary.is_(False),
                    review_cases.c.platform == platform if platform is not None else true(),
                )
                .values(
                    stage="appeal",
                    status="open",
                    assignee=None,
                    due_at=now + timedelta(hours=24),
                    updated_at=now,
                )
            )
            if moved.rowcount != 1:
                raise Conflict(f"case {case_id} is not a closed case that can be appealed")
            audit.append(conn, actor.name, "case.appeal", f"case:{case_id}", {"reason": reason})
            route(conn, [case_id], now=now)
            sync_case_signals(conn)
            record_verdict(conn, case_id)
        return self.get(case_id)

    def reveal(self, me: Principal, case_id: int, item: str) -> int:
        """Record one deliberate reveal; returns the reviewer's reveals in the last hour (exposure)."""
        now = utcnow()
        with self.engine.begin() as conn:
            case = conn.execute(
                select(review_cases.c.assignee).where(review_cases.c.case_id == case_id)
            ).first()
            if case is None:
                raise NotFound(f"case {case_id} does not exist")
            conn.execute(
                insert(review_reveals).values(reviewer=me.name, case_id=case_id, item=item, revealed_at=now)
            )
            audit.append(conn, me.name, "media.reveal", f"case:{case_id}", {"item": item})
        return self.exposure(me.name)

    def exposure(self, reviewer: str, window: timedelta = timedelta(hours=1)) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        review_reveals.c.reviewer == reviewer,
                        review_reveals.c.revealed_at >= utcnow() - window,
                    )
                ).scalar_one()
            )


@dataclass(frozen=True, slots=True)
class ReviewerFigures:
    reviewer: str
    decisions: int
    checked: int  # decisions a later stage looked at again
    agreed: int  # ... and came to the same outcome
    final_matches: int  # decisions equal to the case's final outcome, among closed checked cases

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.checked if self.checked else None

    @property
    def accuracy(self) -> float | None:
        return self.final_matches / self.checked if self.checked else None


def reviewer_figures(engine: Engine) -> list[ReviewerFigures]:
    """Agreement with the next reviewer and accuracy against the final outcome (second review, lead or
    appeal), per reviewer, over cases that had more than one decision."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(review_decisions, review_cases.c.outcome.label("final_outcome"), review_cases.c.status)
            .join(review_cases, review_cases.c.case_id == review_decisions.c.case_id)
            .where(review_decisions.c.stage.in_(REVIEW_STAGES))  # not a lead's reversal of one action
            .order_by(review_decisions.c.case_id, review_decisions.c.decision_id)
        ).all()
    by_case: dict[int, list[Any]] = {}
    for r in rows:
        by_case.setdefault(r.case_id, []).append(r)
    figures: dict[str, list[int]] = {}
    for decisions in by_case.values():
        for i, d in enumerate(decisions):
            f = figures.setdefault(d.reviewer, [0, 0, 0, 0])
            f[0] += 1
            if i + 1 < len(decisions):
                f[1] += 1
                f[2] += decisions[i + 1].outcome == d.outcome
                f[3] += d.status == "closed" and d.final_outcome == d.outcome
    return [ReviewerFigures(name, *v) for name, v in sorted(figures.items())]


def _violating_elsewhere(conn: Any, case: Any) -> list[str]:
    """The other cases whose final violating decision covers this case's account (its verdicts)."""
    if case.account_id is None:
        return []
    found = SignalRepository(conn.engine).for_entity(
        case.platform, EntityType.ACCOUNT, case.account_id, kind=VERDICT, conn=conn
    )
    return sorted({s.key for s in found if s.score >= 0.5 and s.key != str(case.case_id)})
