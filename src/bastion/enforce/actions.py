"""Actions in the database: apply, reverse on appeal, read back, and the pull feed for platforms.

Every change is two writes in one transaction: the action's current state, and an append-only event that
carries its own delivery id, plus a pending webhook delivery for it. The platform therefore sees each change
exactly once by webhook (it de-duplicates on the delivery id) and can always catch up by pulling events.
Actions and events keep the id of the decision they carry out; its words are read from the decision table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, insert, select, update

from bastion.core.decision import REVERSAL, Subject
from bastion.core.errors import InputError, NotFound
from bastion.enforce.model import Action, ActionEvent, ActionKind, ActionState, Decision
from bastion.store import Store
from bastion.store.decisions import decisions, load_decision, save_decision
from bastion.store.tables_enforce import enforce_actions, enforce_deliveries, enforce_events

APPLIED = "applied"
REVERSED = "reversed"


def action_from_row(row: Row[Any]) -> Action:
    m = row._mapping
    return Action(
        action_id=m["action_id"],
        platform=m["platform"],
        account_id=m["account_id"],
        target_type=m["target_type"],
        target_id=m["target_id"],
        kind=ActionKind(m["kind"]),
        state=ActionState(m["state"]),
        reason=m["reason"],
        clause=m["clause"],
        actor=m["actor"],
        decided_at=m["decided_at"],
        takedown_id=m["takedown_id"],
        role=m["role"],
        decision_id=m["decision_id"],
        case_id=m["case_id"],
    )


def _action_select() -> Select[Any]:
    """Actions with the words of the decision each one carries out."""
    d = decisions.c
    return select(enforce_actions, d.reviewer.label("actor"), d.reason, d.clause, d.case_id).join(
        decisions, decisions.c.decision_id == enforce_actions.c.decision_id
    )


def _saved(decision: Decision) -> int:
    if decision.decision_id is None:
        raise InputError("store the decision before acting on it", field="decision_id")
    return decision.decision_id


def record_event(conn: Connection, action_id: int, platform: str, event: str, decision: Decision) -> int:
    """Append the history row and queue its webhook delivery (same transaction as the change)."""
    delivery_id = uuid.uuid4().hex
    event_id = conn.execute(
        insert(enforce_events).values(
            action_id=action_id,
            platform=platform,
            event=event,
            decision_id=_saved(decision),
            at=decision.at,
            delivery_id=delivery_id,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(
        insert(enforce_deliveries).values(
            delivery_id=delivery_id,
            event_id=event_id,
            status="pending",
            attempts=0,
            next_attempt_at=decision.at,
        )
    )
    return int(event_id)


def insert_action(
    conn: Connection,
    platform: str,
    account_id: str,
    kind: ActionKind,
    decision: Decision,
    *,
    target: tuple[str, str] | None = None,
    takedown_id: int | None = None,
    role: str | None = None,
) -> int:
    """One action carrying out a stored decision, with its ``applied`` event and delivery."""
    target_type, target_id = target or ("account", account_id)
    action_id = conn.execute(
        insert(enforce_actions).values(
            platform=platform,
            account_id=account_id,
            target_type=target_type,
            target_id=target_id,
            kind=str(kind),
            state=str(ActionState.ACTIVE),
            decision_id=_saved(decision),
            decided_at=decision.at,
            takedown_id=takedown_id,
            role=role,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    record_event(conn, int(action_id), platform, APPLIED, decision)
    return int(action_id)


def reverse_action(conn: Connection, action_id: int, decision: Decision) -> None:
    """Flip one active action to reversed and record the reversal carrying ``decision`` (stored already)."""
    row = conn.execute(select(enforce_actions).where(enforce_actions.c.action_id == action_id)).first()
    if row is None:
        raise NotFound(f"no action {action_id}")
    if row.state == ActionState.REVERSED:
        raise InputError(f"action {action_id} is already reversed", field="action_id")
    conn.execute(
        update(enforce_actions)
        .where(enforce_actions.c.action_id == action_id)
        .values(state=str(ActionState.REVERSED))
    )
    record_event(conn, action_id, row.platform, REVERSED, decision)


class ActionService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def apply(
        self,
        platform: str,
        account_id: str,
        kinds: Iterable[ActionKind],
        decision: Decision,
        *,
        post_id: str | None = None,
    ) -> list[int]:
        """One decision, one or several actions on one account (or one of its posts), in one transaction.

        A new decision (no id: a lead acting outside a case) is stored first, in the same transaction; a
        stored one (read with :meth:`decision`) is only referenced, never asked for or written again."""
        kinds = list(kinds)
        if not kinds:
            raise InputError("no action given", field="action")
        if post_id is not None and any(k != ActionKind.REMOVE_CONTENT for k in kinds):
            raise InputError("only remove_content applies to a single post", field="action")
        target = ("post", post_id) if post_id is not None else None
        with self.store.engine.begin() as conn:
            if decision.decision_id is None:
                subject = Subject(platform, account_id, post_id=post_id)
                decision = save_decision(conn, replace(decision, platform=platform, subjects=(subject,)))
            return [insert_action(conn, platform, account_id, k, decision, target=target) for k in kinds]

    def decision(self, decision_id: int) -> Decision:
        with self.store.engine.connect() as conn:
            return load_decision(conn, decision_id)

    def reverse(self, action_id: int, decision: Decision) -> Action:
        """Undo an action (an upheld appeal); the action row flips state, its history keeps both events.
        A new decision is stored as a ``reversal`` of the action's decision (same case, if any)."""
        with self.store.engine.begin() as conn:
            if decision.decision_id is None:
                row = conn.execute(_action_select().where(enforce_actions.c.action_id == action_id)).first()
                if row is None:
                    raise NotFound(f"no action {action_id}")
                subject = Subject(row.platform, row.account_id, row.role or "subject")
                decision = save_decision(
                    conn,
                    replace(
                        decision,
                        stage=REVERSAL,
                        outcome="not_violating",
                        case_id=row.case_id,
                        platform=row.platform,
                        subjects=(subject,),
                    ),
                )
            reverse_action(conn, action_id, decision)
        return self.get(action_id)

    def get(self, action_id: int) -> Action:
        with self.store.engine.connect() as conn:
            row = conn.execute(_action_select().where(enforce_actions.c.action_id == action_id)).first()
        if row is None:
            raise NotFound(f"no action {action_id}")
        return action_from_row(row)

    def for_account(self, platform: str, account_id: str, *, active_only: bool = False) -> list[Action]:
        query = _action_select().where(
            enforce_actions.c.platform == platform, enforce_actions.c.account_id == account_id
        )
        if active_only:
            query = query.where(enforce_actions.c.state == str(ActionState.ACTIVE))
        with self.store.engine.connect() as conn:
            return [action_from_row(r) for r in conn.execute(query.order_by(enforce_actions.c.action_id))]

    def for_decision(self, decision_id: int) -> list[Action]:
        """The actions that carry out one decision."""
        query = _action_select().where(enforce_actions.c.decision_id == decision_id)
        with self.store.engine.connect() as conn:
            return [action_from_row(r) for r in conn.execute(query.order_by(enforce_actions.c.action_id))]

    def all(self, platform: str | None = None) -> list[Action]:
        query = _action_select().order_by(enforce_actions.c.action_id)
        if platform is not None:
            query = query.where(enforce_actions.c.platform == platform)
        with self.store.engine.connect() as conn:
            return [action_from_row(r) for r in conn.execute(query)]

    def history(self, action_id: int) -> list[ActionEvent]:
        return self.events(action_ids=[action_id])

    def events(
        self,
        since: int = 0,
        *,
        platform: str | None = None,
        limit: int = 1_000,
        action_ids: Sequence[int] | None = None,
    ) -> list[ActionEvent]:
        """Events after cursor ``since`` in order: the pull feed (``GET /v1/actions?since=``)."""
        query = (
            _event_select()
            .where(enforce_events.c.event_id > since)
            .order_by(enforce_events.c.event_id)
            .limit(limit)
        )
        if platform is not None:
            query = query.where(enforce_events.c.platform == platform)
        if action_ids is not None:
            query = query.where(enforce_events.c.action_id.in_(list(action_ids)))
        with self.store.engine.connect() as conn:
            return [event_from_row(r) for r in conn.execute(query)]

    def event_by_delivery(self, conn: Connection, delivery_id: str) -> ActionEvent:
        query = _event_select().where(enforce_events.c.delivery_id == delivery_id)
        row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"no event with delivery id {delivery_id}")
        return event_from_row(row)

    def disabled_since(self, platform: str) -> dict[str, tuple[int, datetime]]:
        """Accounts with an active disable action: account -> (action id, decided at), earliest first."""
        query = (
            select(enforce_actions.c.account_id, enforce_actions.c.action_id, enforce_actions.c.decided_at)
            .where(
                and_(
                    enforce_actions.c.platform == platform,
                    enforce_actions.c.kind == str(ActionKind.DISABLE_ACCOUNT),
                    enforce_actions.c.state == str(ActionState.ACTIVE),
                )
            )
            .order_by(enforce_actions.c.action_id)
        )
        out: dict[str, tuple[int, datetime]] = {}
        with self.store.engine.connect() as conn:
            for account_id, action_id, at in conn.execute(query):
                out.setdefault(account_id, (action_id, at))
        return out


def _event_select() -> Select[Any]:
    e = enforce_events.c
    ev = decisions.alias("event_decision")
    return (
        _action_select()
        .add_columns(
            e.event_id,
            e.delivery_id,
            e.event,
            e.decision_id.label("ev_decision_id"),
            ev.c.reviewer.label("ev_actor"),
            ev.c.reason.label("ev_reason"),
            ev.c.clause.label("ev_clause"),
            e.at,
        )
        .join(enforce_events, enforce_actions.c.action_id == e.action_id)
        .join(ev, ev.c.decision_id == e.decision_id)
    )


def event_from_row(row: Row[Any]) -> ActionEvent:
    m = row._mapping
    return ActionEvent(
        event_id=m["event_id"],
        delivery_id=m["delivery_id"],
        event=m["event"],
        action=action_from_row(row),
        actor=m["ev_actor"],
        reason=m["ev_reason"],
        clause=m["ev_clause"],
        at=m["at"],
        decision_id=m["ev_decision_id"],
    )
