"""The demo's own steps (ingest, the ground truth, networks); the order comes from the manifests."""

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
        f"({ctx.platform.config.cells} cells), {roles['buyer']} buyers, "
        f"{roles['facilitator']} facilitators, {roles['decoy']} decoys who use a code word innocently"
    )
    ctx.console.print(
        f"invented code words: {', '.join(truth.code_words)}; seeds from user reports: {len(truth.seeds)}"
    )


def networks_step(ctx: DemoContext) -> None:
    """Detect networks from the reported seeds and with no seeds at all, then score them against the truth."""
    from bastion.cli.graph_cmd import render_dossier

    detector = ctx.bastion.graph
    seeded = detector.detect()
    found = detector.networks()
    table = Table("network", "score", "members", "sellers", "buyers", "facilitators")
    for n in found:
        roles = n.roles
        table.add_row(
            n.network_id,
            f"{n.score:.2f}",
            str(n.size),
            str(roles.get("seller", 0)),
            str(roles.get("buyer", 0)),
            str(roles.get("facilitator", 0)),
        )
    ctx.console.print(
        f"seeded run {seeded.run_id}: {len(found)} network(s) from {len(ctx.truth.seeds)} seeds"
    )
    ctx.console.print(table)
    flagged = {m["account_id"]: m["role"] for n in detector.networks_json() for m in n["members"]}
    ctx.console.print(_score_against_truth(ctx, flagged))
    ctx.findings["networks"] = flagged
    if found:
        render_dossier(detector.dossier(found[0].network_id), limit=8)
    seedless = detector.detect(seeds=[], refresh=False)
    unseeded = {m["account_id"] for n in detector.networks_json() for m in n["members"]}
    ctx.console.print(
        f"seedless run {seedless.run_id} (no reports, signals alone): {len(unseeded)} accounts in "
        f"{len(detector.networks())} network(s); " + _score_against_truth(ctx, dict.fromkeys(unseeded, "?"))
    )
    detector.detect(refresh=False)  # leave the seeded run as the latest, for the steps after this one


def _score_against_truth(ctx: DemoContext, flagged: dict[str, str]) -> str:
    roles = ctx.truth.roles
    sellers, buyers = set(ctx.truth.members("seller")), set(ctx.truth.members("buyer"))
    planted = sellers | buyers | set(ctx.truth.members("facilitator"))
    decoys = set(ctx.truth.members("decoy"))
    hit = set(flagged) & planted
    precision = len(hit) / len(flagged) if flagged else 0.0
    right = sum(flagged[a] == roles[a] for a in hit if roles[a] in ("seller", "buyer"))
    judged = sum(1 for a in hit if roles[a] in ("seller", "buyer"))
    found_sellers, found_buyers = len(set(flagged) & sellers), len(set(flagged) & buyers)
    line = (
        f"found {found_sellers}/{len(sellers)} sellers, {found_buyers}/{len(buyers)} buyers; "
        f"precision {precision:.2f}; decoys flagged {len(set(flagged) & decoys)}/{len(decoys)}"
    )
    return line + (f"; roles right {right}/{judged}" if judged and "?" not in flagged.values() else "")


def steps() -> list[tuple[str, Step]]:
    """Every installed capability's demo steps, in pipeline order (their manifests name them)."""
    from bastion.system.plugins import installed

    return [step for cap in installed().capabilities for step in cap.demo]
