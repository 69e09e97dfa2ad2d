"""The enforcement demo step: take down the detected networks, show follow-through and the transparency
summary, and build one CyberTipline report (validated) into the workdir.

Nothing leaves the machine: no webhook is called and nothing is submitted to NCMEC in the demo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from bastion.enforce.model import Decision
from bastion.enforce.takedown import Takedowns

if TYPE_CHECKING:
    from bastion.demo.runner import DemoContext

DEMO_ACTOR = "demo-reviewer"


def demo_step(ctx: DemoContext) -> None:
    from bastion.cli.enforce_cmd import render_status
    from bastion.enforce.settings import load_enforce_settings
    from bastion.report.service import CyberTipService

    console, store, truth = ctx.console, ctx.store, ctx.truth
    td = Takedowns(store)
    networks = sorted(n for p, n in td.networks(truth.platform))
    if not networks:
        console.print("no network_member signals: nothing to take down (run the network step first)")
        return
    table = Table("network", "members", "by role", "actions", "sellers right (truth)")
    reported = None
    for network_id in networks:
        preview = td.preview(network_id, truth.platform)
        result = td.apply(
            network_id,
            Decision(
                DEMO_ACTOR, "coordinated network selling prohibited material", "CS-1.2 network takedown"
            ),
            truth.platform,
        )
        sellers = [m.account_id for m in preview.members if m.role == "seller"]
        right = sum(truth.roles.get(a) == "seller" for a in sellers)
        roles = ", ".join(f"{n} {r}" for r, n in sorted(preview.by_role().items()))
        table.add_row(
            network_id, str(len(preview.members)), roles, str(result.created), f"{right}/{len(sellers)}"
        )
        reported = reported or (sellers[0] if sellers else None)
    console.print(table)
    render_status(store, truth.platform, 7)
    if reported is None:
        return
    settings = load_enforce_settings(env="development")
    built = CyberTipService(store, settings).build(truth.platform, reported, case_ref=f"demo:{reported}")
    path = ctx.options.workdir / f"cybertip-report-{built.local_id}.xml"
    path.write_bytes(built.xml)
    console.print(
        f"CyberTipline report for seller {reported}: schema-valid, {len(built.xml):,} bytes → {path} "
        "(not submitted: the demo never contacts NCMEC)"
    )
    ctx.findings["enforce"] = {"networks": networks, "cybertip_xml": str(path)}
