"""The guard's demo step: what the unguarded recommender showed, and what the guard would have kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.guard.plot import plot_exposure
from bastion.guard.report import render_audit
from bastion.guard.storage import audit_store

if TYPE_CHECKING:
    from bastion.demo.runner import DemoContext


def demo_step(ctx: DemoContext) -> None:
    audit = audit_store(ctx.store, ctx.truth.platform)
    render_audit(audit, ctx.console)
    path = plot_exposure(audit, ctx.options.workdir / "exposure.png")
    ctx.console.print(f"exposure over time: {path}")
    ctx.findings["exposure_audit"] = audit
