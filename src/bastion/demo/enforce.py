"""The enforcement demo step: a lead decides the network cases review opened, and the operator's decision
policy turns each decision into actions per role and a CyberTipline draft, in the decision's transaction;
then follow-through, the transparency summary, and one draft built into schema-valid XML in the workdir.

Nothing leaves the machine: no webhook is called and nothing is submitted to NCMEC in the demo.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich.table import Table
from sqlalchemy import select

from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.review.cases import CaseDesk
from bastion.store.tables_review import review_cases

if TYPE_CHECKING:
    from bastion.demo.runner import DemoContext

DEMO_LEADS = ("demo-lead-1", "demo-lead-2")
CLAUSE = "CS-1.2 coordinated network"
REASON = "sellers advertise prohibited material to buyers in this network (demo)"


def demo_step(ctx: DemoContext) -> None:
    from bastion.cli.enforce_cmd import render_status
    from bastion.enforce.settings import load_enforce_settings
    from bastion.report.service import CyberTipService

    console, store, truth = ctx.console, ctx.store, ctx.truth
    desk = CaseDesk(store.engine, second_rate=0.0, on_decision=ctx.bastion.decision_handler())
    with store.engine.connect() as conn:
        cases = conn.execute(
            select(review_cases.c.case_id, review_cases.c.group_id)
            .where(review_cases.c.group_type == "network", review_cases.c.status != "closed")
            .order_by(review_cases.c.case_id)
        ).all()
    if not cases:
        console.print("no network cases to decide (run the network and review steps first)")
        return
    table = Table("case", "network", "decision", "actions created", "CyberTipline drafts")
    kinds: Counter[str] = Counter()
    for case_id, network_id in cases:
        decided = _decide(desk, case_id)
        effects = decided["effects"]
        kinds.update(a["action"] for a in _actions(ctx, effects["action_ids"]))
        table.add_row(
            f"#{case_id}",
            network_id,
            str(decided["outcome"]),
            str(len(effects["action_ids"])),
            str(len(effects["report_ids"])),
        )
    console.print(table)
    console.print("actions by kind: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    console.print(
        "each decision was recorded once; the policy (BASTION_DECISION_POLICY) created its actions and "
        "drafts in the same transaction, and nobody typed the decision again"
    )
    render_status(store, truth.platform, 7)
    service = CyberTipService(store, load_enforce_settings(env="development"))
    drafts = service.drafts(truth.platform)
    if not drafts:
        return
    built = service.build_draft(drafts[0].local_id)
    path = ctx.options.workdir / f"cybertip-report-{built.local_id}.xml"
    path.write_bytes(built.xml)
    console.print(
        f"CyberTipline draft {built.local_id} of case #{drafts[0].case_id} (account {drafts[0].account_id}): "
        f"schema-valid, {len(built.xml):,} bytes → {path} (not submitted: the demo never contacts NCMEC)"
    )
    ctx.findings["enforce"] = {"cases": [c for c, _ in cases], "cybertip_xml": str(path)}


def _decide(desk: CaseDesk, case_id: int) -> dict[str, Any]:
    """Claim and decide "violating" until the case closes (a second lead when second review is required)."""
    decided: dict[str, Any] = {}
    for name in DEMO_LEADS:
        lead = Principal(name, Role.LEAD, "session")
        desk.claim(lead, case_id)
        decided = desk.decide(lead, case_id, "violating", CLAUSE, REASON)
        if decided["status"] == "closed":
            break
    return decided


def _actions(ctx: DemoContext, ids: list[int]) -> list[dict[str, str]]:
    from bastion.enforce import ActionService

    service = ActionService(ctx.store)
    return [{"action": str(service.get(i).kind)} for i in ids]
