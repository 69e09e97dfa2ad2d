"""Database wiring of follow-through: load every disabled or reported account with its latest ingested status,
escalate the ones still active N days after the decision, and compute the transparency summary.

The status is "as of" the last time the platform's accounts were loaded; an account whose decision is newer
than that load is awaiting a newer export and is not counted as still active. Escalations are
``Signal(kind="still_active", source="enforce")`` on the account; a re-check replaces them, so an account the
platform has since disabled stops being escalated.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, func, select

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import iso, utcnow
from bastion.enforce.followthrough import FollowThrough, Tracked, Transparency, follow_through, transparency
from bastion.enforce.kinds import EVASION, STILL_ACTIVE
from bastion.enforce.model import ActionKind, ActionState
from bastion.store import Store
from bastion.store.tables import accounts, ingest_files, reports
from bastion.store.tables_enforce import cybertip_reports, enforce_actions, enforce_takedowns

SOURCE = "enforce"
_OWN_KINDS = (STILL_ACTIVE, EVASION)


def platforms_with_decisions(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        a = set(conn.scalars(select(enforce_actions.c.platform).distinct()))
        r = set(conn.scalars(select(cybertip_reports.c.platform).distinct()))
    return sorted(a | r)


def _as_of(store: Store, platform: str) -> datetime:
    query = select(func.max(ingest_files.c.updated_at)).where(
        ingest_files.c.platform == platform, ingest_files.c.table_name == "accounts"
    )
    with store.engine.connect() as conn:
        latest = conn.execute(query).scalar()
    return latest or utcnow()


def tracked_accounts(store: Store, platform: str) -> list[Tracked]:
    """Accounts with an active disable decision, and accounts named in a CyberTipline report."""
    first: dict[str, tuple[datetime, set[str], str | None]] = {}

    def note(account: str, at: datetime, why: str, role: str | None) -> None:
        prev = first.get(account)
        if prev is None:
            first[account] = (at, {why}, role)
        else:
            prev[1].add(why)
            first[account] = (min(prev[0], at), prev[1], prev[2] or role)

    with store.engine.connect() as conn:
        for account, at, role in conn.execute(
            select(enforce_actions.c.account_id, enforce_actions.c.decided_at, enforce_actions.c.role).where(
                enforce_actions.c.platform == platform,
                enforce_actions.c.kind == str(ActionKind.DISABLE_ACCOUNT),
                enforce_actions.c.state == str(ActionState.ACTIVE),
            )
        ):
            note(account, at, "disabled", role)
        for account, opened, created in conn.execute(
            select(cybertip_reports.c.account_id, cybertip_reports.c.opened_at, cybertip_reports.c.created_at)
            .where(cybertip_reports.c.platform == platform, cybertip_reports.c.account_id.is_not(None))
            .where(cybertip_reports.c.status.in_(("open", "finished")))
        ):
            note(account, opened or created, "reported", None)
        status = dict(
            conn.execute(
                select(accounts.c.account_id, accounts.c.status).where(
                    accounts.c.platform == platform, accounts.c.account_id.in_(list(first))
                )
            ).all()
        )
    as_of = _as_of(store, platform)
    return [
        Tracked(
            platform,
            account,
            at,
            status.get(account) if as_of >= at else None,
            max(as_of, at),
            tuple(sorted(why)),
            role,
        )
        for account, (at, why, role) in sorted(first.items())
    ]


def recheck(store: Store, platform: str, *, escalate_after_days: float) -> FollowThrough:
    """Re-check every tracked account and replace the ``still_active`` escalations with the current ones."""
    result = follow_through(tracked_accounts(store, platform), escalate_after_days=escalate_after_days)
    store.signals.replace(SOURCE, STILL_ACTIVE, platform, _escalations(result.escalate))
    return result


def _escalations(items: Iterable[Tracked]) -> list[Signal]:
    return [
        Signal(
            t.platform,
            EntityType.ACCOUNT,
            t.account_id,
            STILL_ACTIVE,
            SOURCE,
            min(1.0, 0.5 + t.days / 60),
            {
                "decided_at": iso(t.decided_at),
                "status_as_of": iso(t.as_of),
                "days_since_decision": round(t.days, 1),
                "why": list(t.why),
                "text": f"still active {t.days:.0f} days after it was {' and '.join(t.why)}",
            },
        )
        for t in items
    ]


def transparency_summary(store: Store, platform: str) -> Transparency:
    tracked = tracked_accounts(store, platform)
    with store.engine.connect() as conn:
        networks = conn.execute(
            select(func.count(func.distinct(enforce_takedowns.c.network_id))).where(
                enforce_takedowns.c.platform == platform
            )
        ).scalar_one()
        roles: dict[str, str | None] = {}
        decided: dict[str, datetime] = {}
        for account, role, at in conn.execute(
            select(enforce_actions.c.account_id, enforce_actions.c.role, enforce_actions.c.decided_at)
            .where(enforce_actions.c.platform == platform)
            .order_by(enforce_actions.c.action_id)
        ):
            roles.setdefault(account, role)
            decided[account] = min(decided.get(account, at), at)
        first_seen = _first_flagged(store, conn, platform, list(decided))
    hours = [
        max(0.0, (decided[a] - first_seen[a]).total_seconds() / 3600) for a in decided if a in first_seen
    ]
    return transparency(
        networks_dismantled=int(networks), roles=roles, hours_to_action=hours, tracked=tracked
    )


def _first_flagged(
    store: Store, conn: Connection, platform: str, account_ids: list[str]
) -> dict[str, datetime]:
    """When Bastion first knew something about each account: its earliest signal or user report."""
    out = store.signals.first_seen(platform, account_ids, excluding=_OWN_KINDS, conn=conn)
    for start in range(0, len(account_ids), 500):
        part = account_ids[start : start + 500]
        for account, at in conn.execute(
            select(reports.c.target_id, func.min(reports.c.created_at))
            .where(
                reports.c.platform == platform,
                reports.c.target_type == "account",
                reports.c.target_id.in_(part),
            )
            .group_by(reports.c.target_id)
        ):
            out[account] = min(out.get(account, at), at)
    return out
