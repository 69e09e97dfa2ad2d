"""The exposure audit as rich tables, shared by the CLI and the demo."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bastion.guard.audit import ExposureAudit


def render_audit(audit: ExposureAudit, console: Console) -> None:
    table = Table(
        "network",
        "members",
        "impressions",
        "viewers",
        "minors reached",
        "minor impr.",
        "followed",
        "rec. follows",
        "by surface",
        "with guard",
        title=f"Recommendation exposure of detected networks ({audit.platform})",
    )
    for net in audit.networks:
        b, a = net.before, net.after
        table.add_row(
            net.network_id,
            str(net.members),
            f"{b.impressions:,}",
            f"{b.viewers:,}",
            f"{b.minor_viewers:,}",
            f"{b.minor_impressions:,}",
            f"{b.followed:,}",
            f"{net.rec_follows:,}",
            ", ".join(f"{k} {v}" for k, v in net.by_surface.items()),
            f"{a.impressions:,} impr., {a.minor_viewers:,} minors",
        )
    console.print(table)
    if not audit.networks:
        console.print("no detected network (no network_member signals): nothing to audit per network")
    removed = ", ".join(f"{k} {v:,}" for k, v in audit.removed_by_reason.items()) or "none"
    console.print(
        f"replay through the guard: {audit.kept:,} of {audit.impressions:,} impressions kept; "
        f"removed: {removed}; "
        f"impressions of accounts in no network kept: {audit.benign_kept:,} of {audit.benign_impressions:,} "
        f"({audit.benign_drop:.1%} dropped: {audit.benign_drop_age_policy:.1%} by the minor-protection "
        f"policy, {audit.benign_drop_network_rules:.1%} by the network/suspicion rules)"
    )
