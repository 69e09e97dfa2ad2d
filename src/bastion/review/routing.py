"""Named queues with routing rules. A lead orders queues; each has a rule (conditions on the case's category,
signal kinds, platform, priority, stage, the role its stage needs, network size and age, all of which must
hold; an empty condition holds for any case). A case goes to the first queue whose rule it matches, and the
default queue, always last, takes the rest, so no case is ever in no queue.

Cases are routed when triage creates or joins them and when a decision or appeal moves them to another stage;
after a lead changes the rules (bastion.review.queue_edits), its ``reroute`` applies them to every case still
open (on request, because moving a queue under a reviewer's feet should be a choice)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from bastion.core.errors import InputError
from bastion.core.timefmt import utcnow
from bastion.review.evidence import NETWORK_MEMBER
from bastion.store.signals import SignalRepository
from bastion.store.tables_review import review_cases, review_queues

DEFAULT_NAME = "General"
ROLES = ("reviewer", "lead")
STAGES = ("first", "second", "lead", "appeal")
_LISTS = ("categories", "kinds", "platforms", "stages", "roles")
MAX_NAME = 80


def role_required(stage: str) -> str:
    """The role a case's stage needs: escalations are for a lead, everything else for any reviewer."""
    return "lead" if stage == "lead" else "reviewer"


@dataclass(frozen=True, slots=True)
class QueueRule:
    """Conditions on a case; each set is "any of these", an empty one holds for every case."""

    categories: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()  # any signal kind the case is flagged with
    platforms: frozenset[str] = frozenset()
    stages: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()  # the role the case's stage needs (role_required)
    priorities: frozenset[int] = frozenset()
    min_network: int = 0  # members of the case's network (0: any case; >0: network cases that large)
    min_age_hours: float = 0.0

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> QueueRule:
        """From JSON (the API, the database) or the console's form; a bad value names its field."""
        if not isinstance(raw, Mapping):
            raise InputError("a rule is an object of conditions", field="rule")
        known = set(_LISTS) | {"priorities", "min_network", "min_age_hours"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InputError(f"unknown condition(s) {unknown}; known: {sorted(known)}", field="rule")
        lists: dict[str, frozenset[str]] = {}
        for name in _LISTS:
            value = raw.get(name) or []
            if isinstance(value, str):
                value = [v for v in value.replace(",", " ").split() if v]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
                raise InputError("a list of names", field=f"rule.{name}")
            if any(len(v) > 255 for v in value):
                raise InputError("a name is at most 255 characters", field=f"rule.{name}")
            lists[name] = frozenset(v.strip() for v in value)
        if bad := sorted(lists["roles"] - set(ROLES)):
            raise InputError(f"unknown role(s) {bad}; roles are {list(ROLES)}", field="rule.roles")
        if bad := sorted(lists["stages"] - set(STAGES)):
            raise InputError(f"unknown stage(s) {bad}; stages are {list(STAGES)}", field="rule.stages")
        priorities = raw.get("priorities") or []
        try:
            bands = frozenset(int(p) for p in priorities)
        except (TypeError, ValueError):
            raise InputError("a list of priorities 1 to 4", field="rule.priorities") from None
        if not bands <= {1, 2, 3, 4}:
            raise InputError("priorities are 1 (most urgent) to 4", field="rule.priorities")
        return cls(
            **lists,
            priorities=bands,
            min_network=_number(raw.get("min_network"), "rule.min_network", int, 1_000_000),
            min_age_hours=_number(raw.get("min_age_hours"), "rule.min_age_hours", float, 24 * 365),
        )

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            n: sorted(getattr(self, n)) for n in (*_LISTS, "priorities") if getattr(self, n)
        }
        if self.min_network:
            out["min_network"] = self.min_network
        if self.min_age_hours:
            out["min_age_hours"] = self.min_age_hours
        return out

    def matches(self, case: Mapping[str, Any], network_size: int, now: datetime) -> bool:
        flags = case.get("flags") if isinstance(case.get("flags"), dict) else {}
        kinds = {k for k, v in (flags or {}).items() if v is True and k != "minor"}
        return (
            (not self.categories or case["category"] in self.categories)
            and (not self.kinds or bool(kinds & self.kinds))
            and (not self.platforms or case["platform"] in self.platforms)
            and (not self.stages or case["stage"] in self.stages)
            and (not self.roles or role_required(case["stage"]) in self.roles)
            and (not self.priorities or int(case["priority"]) in self.priorities)
            and (not self.min_network or network_size >= self.min_network)
            and (
                not self.min_age_hours
                or (now - case["created_at"]).total_seconds() >= self.min_age_hours * 3600
            )
        )

    def describe(self) -> str:
        """The rule in words, for the console ("every case" when it has no condition)."""
        words = [
            f"{label} {' or '.join(str(v) for v in sorted(getattr(self, name)))}"
            for name, label in (
                ("categories", "category"),
                ("kinds", "signal"),
                ("platforms", "platform"),
                ("stages", "stage"),
                ("roles", "needs a"),
                ("priorities", "priority"),
            )
            if getattr(self, name)
        ]
        if self.min_network:
            words.append(f"a network of {self.min_network}+ members")
        if self.min_age_hours:
            words.append(f"waiting {self.min_age_hours:g}+ h")
        return "; ".join(words) or "every case"


def _number(value: Any, name: str, kind: type[int] | type[float], top: float) -> Any:
    if value in (None, ""):
        return kind(0)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InputError("a number", field=name) from None
    if not 0 <= number <= top:
        raise InputError(f"between 0 and {top:g}", field=name)
    return number


@dataclass(frozen=True, slots=True)
class Queue:
    queue_id: int
    name: str
    position: int
    rule: QueueRule = field(default_factory=QueueRule)
    is_default: bool = False


def ensure_default(conn: Connection) -> int:
    """The default queue's id, creating it if a database somehow has none (the migration makes one)."""
    found = conn.execute(
        select(review_queues.c.queue_id).where(review_queues.c.is_default.is_(True))
    ).scalar()
    if found is not None:
        return int(found)
    made = conn.execute(
        insert(review_queues).values(
            name=DEFAULT_NAME,
            position=1_000_000,
            rule={},
            is_default=True,
            updated_by="system",
            updated_at=utcnow(),
        )
    )
    return int(made.inserted_primary_key[0])  # type: ignore[index]


def load_queues(conn: Connection) -> list[Queue]:
    """Every queue in routing order: the lead's order, then the default queue."""
    ensure_default(conn)
    rows = conn.execute(
        select(review_queues).order_by(review_queues.c.position, review_queues.c.queue_id)
    ).all()
    queues = [
        Queue(r.queue_id, r.name, r.position, QueueRule.parse(r.rule or {}), bool(r.is_default)) for r in rows
    ]
    return [q for q in queues if not q.is_default] + [q for q in queues if q.is_default]


def network_sizes(conn: Connection, platforms: Iterable[str]) -> dict[tuple[str, str], int]:
    """Members per (platform, network id), from graph's ``network_member`` signals."""
    sizes: Counter[tuple[str, str]] = Counter()
    repo = SignalRepository(conn.engine)
    for platform in sorted(set(platforms)):
        for s in repo.of_kind(NETWORK_MEMBER, platform, conn=conn):
            if s.evidence.get("network_id") is not None:
                sizes[(platform, str(s.evidence["network_id"]))] += 1
    return dict(sizes)


def pick(queues: Sequence[Queue], case: Mapping[str, Any], network_size: int, now: datetime) -> Queue:
    """The first queue whose rule the case matches; the default queue (last, matching all) otherwise."""
    for q in queues:
        if q.is_default or q.rule.matches(case, network_size, now):
            return q
    return queues[-1]


def route(conn: Connection, case_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Put the given cases (``None``: every case not closed) in their queue; returns how many moved."""
    now = now or utcnow()
    queues = load_queues(conn)
    query = select(review_cases)
    if case_ids is None:
        query = query.where(review_cases.c.status != "closed")
    else:
        wanted = sorted(set(case_ids))
        if not wanted:
            return 0
        query = query.where(review_cases.c.case_id.in_(wanted))
    cases = [dict(r._mapping) for r in conn.execute(query)]
    needs_size = any(q.rule.min_network for q in queues)
    sizes = (
        network_sizes(conn, {c["platform"] for c in cases if c["group_type"] == "network"})
        if needs_size
        else {}
    )
    moves: dict[int, list[int]] = {}
    for c in cases:
        size = sizes.get((c["platform"], c["group_id"]), 0) if c["group_type"] == "network" else 0
        target = pick(queues, c, size, now).queue_id
        if c["queue_id"] != target:
            moves.setdefault(target, []).append(int(c["case_id"]))
    for target, ids in moves.items():
        conn.execute(update(review_cases).where(review_cases.c.case_id.in_(ids)).values(queue_id=target))
    return sum(len(ids) for ids in moves.values())


def summary(conn: Connection, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each queue in routing order with its open cases, those in review, the oldest wait and how many are
    overdue (canaries are not work and are left out)."""
    now = now or utcnow()
    queues = load_queues(conn)
    rows = conn.execute(
        select(
            review_cases.c.queue_id,
            review_cases.c.status,
            func.count(),
            func.min(review_cases.c.created_at),
            func.sum(case((review_cases.c.due_at < now, 1), else_=0)),
        )
        .where(review_cases.c.status != "closed", review_cases.c.canary.is_(False))
        .group_by(review_cases.c.queue_id, review_cases.c.status)
    ).all()
    out = []
    for q in queues:
        mine = [r for r in rows if r[0] == q.queue_id]
        oldest = min((r[3] for r in mine if r[3] is not None), default=None)
        out.append(
            {
                "queue_id": q.queue_id,
                "name": q.name,
                "position": q.position,
                "rule": q.rule.as_json(),
                "rule_text": q.rule.describe(),
                "is_default": q.is_default,
                "open": sum(int(r[2]) for r in mine if r[1] == "open"),
                "in_review": sum(int(r[2]) for r in mine if r[1] == "in_review"),
                "overdue": sum(int(r[4] or 0) for r in mine),
                "oldest_at": oldest,
                "oldest_seconds": int((now - oldest).total_seconds()) if oldest is not None else None,
            }
        )
    return out


__all__ = [
    "DEFAULT_NAME",
    "MAX_NAME",
    "ROLES",
    "STAGES",
    "Queue",
    "QueueRule",
    "ensure_default",
    "load_queues",
    "role_required",
    "route",
    "summary",
]
