"""Demo step: triage the demo's reports into cases (grouped by the networks found earlier), create a demo
login with a generated password, and say how to open the console."""

from __future__ import annotations

import secrets
from collections import Counter
from typing import TYPE_CHECKING

from rich.table import Table
from sqlalchemy import select

from bastion.core.roles import Role
from bastion.core.timefmt import utcnow
from bastion.review.auth import Auth
from bastion.review.policy import time_left
from bastion.review.settings import DEV_SECRET
from bastion.review.triage import triage_pending
from bastion.store.tables_review import review_cases

if TYPE_CHECKING:
    from bastion.demo.runner import DemoContext


def demo_step(ctx: DemoContext) -> None:
    engine = ctx.store.engine
    triaged = created = 0
    while (stats := triage_pending(engine)).triaged:
        triaged, created = triaged + stats.triaged, created + stats.created
    with engine.connect() as conn:
        cases = conn.execute(
            select(review_cases)
            .where(review_cases.c.canary.is_(False))
            .order_by(review_cases.c.priority, review_cases.c.due_at)
        ).all()
    by_priority = Counter(c.priority for c in cases)
    ctx.console.print(
        f"triaged {triaged} report(s) into {created} new case(s); open cases by priority: "
        + ", ".join(f"P{p}: {n}" for p, n in sorted(by_priority.items()))
    )
    table = Table("case", "priority", "category", "grouped by", "reports", "signals", "time left")
    now = utcnow()
    for c in cases[:8]:
        table.add_row(
            f"#{c.case_id}",
            f"P{c.priority}",
            c.category,
            f"{c.group_type} {c.group_id}",
            str(c.report_count),
            ", ".join(sorted(c.flags)),
            time_left(c.due_at, now),
        )
    ctx.console.print(table)
    auth = Auth(engine, DEV_SECRET)
    logins = {}
    for name, role in (("demo-lead", Role.LEAD), ("demo-auditor", Role.AUDITOR)):
        password = secrets.token_urlsafe(12)
        name = f"{name}-{secrets.token_hex(2)}"
        auth.add_user(name, role, password)
        logins[name] = (role, password)
    for name, (role, password) in logins.items():
        ctx.console.print(
            f"demo login ({role}): [bold]{name}[/bold] / [bold]{password}[/bold]", highlight=False
        )
    ctx.console.print(
        "start the console (or run the demo with --serve): "
        f"[bold]BASTION_ENV=development BASTION_DATABASE_URL='{ctx.store.url}' "
        "bastion serve --port 8000[/bold]"
        " then open http://127.0.0.1:8000/login (development mode only: set BASTION_SECRET_KEY otherwise)",
        soft_wrap=True,
        highlight=False,
    )
    ctx.findings["review"] = {"cases": len(cases), "triaged": triaged, "logins": sorted(logins)}
