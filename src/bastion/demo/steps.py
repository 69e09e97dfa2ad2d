"""The demo's steps, in order; each capability appends its own."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table

from bastion.demo.runner import DemoContext
from bastion.ingest import Ingestor
from bastion.ingest.progress import file_progress

Step = Callable[[DemoContext], None]


def ingest_step(ctx: DemoContext) -> None:
    with file_progress(ctx.console) as report:
        summary = Ingestor(ctx.store).ingest(ctx.export_dir, progress=report)
    table = Table("table", "accepted", "rejected")
    for name, t in summary.tables.items():
        table.add_row(name, f"{t.accepted:,}", f"{t.rejected:,}")
    ctx.console.print(table)
    ctx.findings["ingest"] = summary


def planted_step(ctx: DemoContext) -> None:
    """What was hidden in the platform, so the reader can judge what the capabilities find."""
    truth = ctx.truth
    roles = {r: len(truth.members(r)) for r in ("seller", "buyer", "facilitator", "decoy")}
    ctx.console.print(
        f"planted: {roles['seller']} sellers in {ctx.platform.config.networks} networks "
        f"({ctx.platform.config.cells_per_network} cells each), {roles['buyer']} buyers, "
        f"{roles['facilitator']} facilitators, {roles['decoy']} decoys who use a code word innocently"
    )
    ctx.console.print(
        f"invented code words: {', '.join(truth.code_words)}; seeds from user reports: {len(truth.seeds)}"
    )


STEPS: list[tuple[str, Step]] = [
    ("ingest the platform export", ingest_step),
    ("what was planted (ground truth, hidden from the detectors)", planted_step),
]
