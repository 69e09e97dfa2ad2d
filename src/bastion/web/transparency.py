"""The figures a platform publishes, per month or quarter: reports received and time to a first review
decision, actions by type and by role, networks dismantled, accounts still active 30 days after a decision,
CyberTipline reports, appeals and reversals. Read-only aggregates over the store; the follow-through figures
come from enforcement's own functions (:mod:`bastion.enforce.status`)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bastion.enforce.status import platforms_with_decisions, tracked_accounts, transparency_summary
from bastion.store import Store
from bastion.store.tables import reports
from bastion.store.tables_enforce import cybertip_reports, enforce_actions, enforce_events, enforce_takedowns
from bastion.store.tables_review import review_audit, review_cases, review_decisions

PERIODS = ("month", "quarter")
COLUMNS = (
    "period",
    "reports_received",
    "cases_opened",
    "median_hours_to_first_decision",
    "actions",
    "accounts_actioned",
    "networks_dismantled",
    "decided_30_days_ago",
    "still_active_after_30_days",
    "cybertip_reports_submitted",
    "appeals",
    "reversals",
)


def period_of(at: datetime, period: str) -> str:
    if period == "quarter":
        return f"{at.year}-Q{(at.month - 1) // 3 + 1}"
    return f"{at.year}-{at.month:02d}"


def platforms(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        reported = set(conn.scalars(select(reports.c.platform).distinct()))
    return sorted(reported | set(platforms_with_decisions(store)))


def figures(store: Store, platform: str, period: str = "month") -> dict[str, Any]:
    """Rows per period (newest first), actions by type and by role per period, and the overall summary."""
    period = period if period in PERIODS else "month"
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    hours: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    roles: dict[str, Counter[str]] = defaultdict(Counter)
    with store.engine.connect() as conn:
        for (at,) in conn.execute(select(reports.c.created_at).where(reports.c.platform == platform)):
            rows[period_of(at, period)]["reports_received"] += 1
        first: dict[int, datetime] = {}
        for case_id, at in conn.execute(
            select(review_decisions.c.case_id, review_decisions.c.created_at)
            .where(review_decisions.c.case_id.is_not(None), review_decisions.c.platform == platform)
            .order_by(review_decisions.c.decision_id)
        ):
            first.setdefault(case_id, at)
        for case_id, opened in conn.execute(
            select(review_cases.c.case_id, review_cases.c.created_at).where(
                review_cases.c.platform == platform, review_cases.c.canary.is_(False)
            )
        ):
            key = period_of(opened, period)
            rows[key]["cases_opened"] += 1
            if case_id in first:
                hours[key].append(max(0.0, (first[case_id] - opened).total_seconds() / 3600))
        accounts: dict[str, set[str]] = defaultdict(set)
        for account, kind, role, at in conn.execute(
            select(
                enforce_actions.c.account_id,
                enforce_actions.c.kind,
                enforce_actions.c.role,
                enforce_actions.c.decided_at,
            ).where(enforce_actions.c.platform == platform)
        ):
            key = period_of(at, period)
            rows[key]["actions"] += 1
            kinds[key][kind] += 1
            roles[key][role or "individual"] += 1
            accounts[key].add(account)
        for key, seen in accounts.items():
            rows[key]["accounts_actioned"] = len(seen)
        networks: dict[str, set[str]] = defaultdict(set)
        for network, at in conn.execute(
            select(enforce_takedowns.c.network_id, enforce_takedowns.c.decided_at).where(
                enforce_takedowns.c.platform == platform
            )
        ):
            networks[period_of(at, period)].add(network)
        for key, seen in networks.items():
            rows[key]["networks_dismantled"] = len(seen)
        for (at,) in conn.execute(
            select(cybertip_reports.c.finished_at).where(
                cybertip_reports.c.platform == platform, cybertip_reports.c.status == "finished"
            )
        ):
            if at is not None:
                rows[period_of(at, period)]["cybertip_reports_submitted"] += 1
        for (at,) in conn.execute(
            select(enforce_events.c.at).where(
                enforce_events.c.platform == platform, enforce_events.c.event == "reversed"
            )
        ):
            rows[period_of(at, period)]["reversals"] += 1
        ours = {
            f"case:{i}"
            for i in conn.scalars(select(review_cases.c.case_id).where(review_cases.c.platform == platform))
        }
        for subject, at in conn.execute(
            select(review_audit.c.subject, review_audit.c.at).where(review_audit.c.action == "case.appeal")
        ):
            if subject in ours:
                rows[period_of(at, period)]["appeals"] += 1
    for t in tracked_accounts(store, platform):
        if t.days >= 30:
            key = period_of(t.decided_at, period)
            rows[key]["decided_30_days_ago"] += 1
            rows[key]["still_active_after_30_days"] += int(t.still_active)
    table = []
    for key in sorted(rows, reverse=True):
        row: dict[str, Any] = {"period": key} | {c: rows[key][c] for c in COLUMNS[1:]}
        row["median_hours_to_first_decision"] = (
            round(statistics.median(hours[key]), 1) if hours[key] else None
        )
        table.append(row)
    return {
        "rows": table,
        "kinds": {k: dict(sorted(v.items())) for k, v in kinds.items()},
        "roles": {k: dict(sorted(v.items())) for k, v in roles.items()},
        "summary": transparency_summary(store, platform).as_json(),
    }


def _cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(platform: str, found: dict[str, Any]) -> str:
    """One row per period: the columns above, then actions per type and per role as their own columns."""
    kinds = sorted({k for v in found["kinds"].values() for k in v})
    roles = sorted({r for v in found["roles"].values() for r in v})
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["platform", *COLUMNS, *(f"actions_{k}" for k in kinds), *(f"role_{r}" for r in roles)]
    writer.writerow([_cell(h) for h in header])
    for row in found["rows"]:
        key = row["period"]
        writer.writerow(
            [
                _cell(platform),
                *("" if row[c] is None else row[c] for c in COLUMNS),
                *(found["kinds"].get(key, {}).get(k, 0) for k in kinds),
                *(found["roles"].get(key, {}).get(r, 0) for r in roles),
            ]
        )
    return out.getvalue()
