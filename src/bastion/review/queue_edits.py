"""A lead's changes to the named queues, each audited: create, edit, delete (its cases are routed again at
once, never left in no queue), reorder, and re-route every open case after the rules changed. Routing itself
is bastion.review.routing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bastion.core.errors import Conflict, InputError, NotFound
from bastion.core.timefmt import utcnow
from bastion.review import audit
from bastion.review.routing import MAX_NAME, QueueRule, ensure_default, load_queues, route
from bastion.store.tables_review import review_cases, review_queues


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InputError(f"a queue needs a name of 1 to {MAX_NAME} characters", field="name")
    return name


def _taken(conn: Connection, name: str, queue_id: int | None) -> None:
    other = conn.execute(select(review_queues.c.queue_id).where(review_queues.c.name == name)).scalar()
    if other is not None and other != queue_id:
        raise Conflict(f"a queue named {name!r} exists already", field="name")


def create_queue(conn: Connection, actor: str, name: str, rule: QueueRule) -> int:
    """A new queue, last before the default one (routing order); its rule applies from the next routing."""
    name = _name(name)
    _taken(conn, name, None)
    ensure_default(conn)
    last = conn.execute(
        select(func.max(review_queues.c.position)).where(review_queues.c.is_default.is_(False))
    ).scalar()
    made = conn.execute(
        insert(review_queues).values(
            name=name,
            position=int(last or 0) + 1,
            rule=rule.as_json(),
            is_default=False,
            updated_by=actor,
            updated_at=utcnow(),
        )
    )
    queue_id = int(made.inserted_primary_key[0])  # type: ignore[index]
    audit.append(conn, actor, "queue.create", f"queue:{queue_id}", {"name": name, "rule": rule.as_json()})
    return queue_id


def _get(conn: Connection, queue_id: int) -> Any:
    row = conn.execute(select(review_queues).where(review_queues.c.queue_id == queue_id)).first()
    if row is None:
        raise NotFound(f"queue {queue_id} does not exist")
    return row


def update_queue(conn: Connection, actor: str, queue_id: int, name: str, rule: QueueRule) -> None:
    row = _get(conn, queue_id)
    name = _name(name)
    _taken(conn, name, queue_id)
    if row.is_default and rule != QueueRule():
        raise Conflict("the default queue takes every case no other queue does; it has no rule", field="rule")
    conn.execute(
        update(review_queues)
        .where(review_queues.c.queue_id == queue_id)
        .values(name=name, rule=rule.as_json(), updated_by=actor, updated_at=utcnow())
    )
    audit.append(
        conn,
        actor,
        "queue.update",
        f"queue:{queue_id}",
        {"name": name, "rule": rule.as_json(), "was": {"name": row.name, "rule": row.rule}},
    )


def delete_queue(conn: Connection, actor: str, queue_id: int) -> int:
    """Remove a queue; its cases are routed again at once (they must not be left in no queue)."""
    row = _get(conn, queue_id)
    if row.is_default:
        raise Conflict("the default queue cannot be deleted: it catches every case no rule matches")
    conn.execute(review_queues.delete().where(review_queues.c.queue_id == queue_id))
    ids = [
        int(i)
        for i in conn.execute(
            select(review_cases.c.case_id).where(review_cases.c.queue_id == queue_id)
        ).scalars()
    ]
    if ids:  # closed cases too: they leave the deleted queue for wherever the rules now put them
        conn.execute(update(review_cases).where(review_cases.c.case_id.in_(ids)).values(queue_id=None))
        route(conn, ids)
    audit.append(conn, actor, "queue.delete", f"queue:{queue_id}", {"name": row.name, "cases": len(ids)})
    return len(ids)


def reorder(conn: Connection, actor: str, queue_ids: Sequence[int]) -> None:
    """Set the routing order; ``queue_ids`` names every queue but the default one, exactly once."""
    queues = [q for q in load_queues(conn) if not q.is_default]
    if sorted(queue_ids) != sorted(q.queue_id for q in queues):
        raise InputError("name every queue except the default one, each once", field="queue_ids")
    for position, queue_id in enumerate(queue_ids, start=1):
        conn.execute(
            update(review_queues).where(review_queues.c.queue_id == queue_id).values(position=position)
        )
    audit.append(conn, actor, "queue.reorder", "queues", {"order": list(queue_ids)})


def move(conn: Connection, actor: str, queue_id: int, step: int) -> None:
    """Move one queue up (-1) or down (+1) in the routing order."""
    order = [q.queue_id for q in load_queues(conn) if not q.is_default]
    if queue_id not in order:
        raise Conflict("the default queue is always last", field="queue_id")
    i = order.index(queue_id)
    j = max(0, min(len(order) - 1, i + step))
    order[i], order[j] = order[j], order[i]
    reorder(conn, actor, order)


def reroute(conn: Connection, actor: str) -> int:
    """Apply the current rules to every open case (a lead's request after changing them); audited."""
    moved = route(conn)
    audit.append(conn, actor, "queue.reroute", "queues", {"moved": moved})
    return moved


__all__ = ["create_queue", "delete_queue", "move", "reorder", "reroute", "update_queue"]
