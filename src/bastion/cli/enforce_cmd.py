"""``bastion enforcement``, ``bastion takedown`` and ``bastion evasion``: thin commands over
``bastion.enforce`` (the CyberTipline and preservation commands are the report capability's, report_cmd).

``evasion --format json`` prints plain JSON (no rich markup) because other tools read it.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from bastion.cli.context import DbOption, command_group, console, err_console, handle_errors, open_store
from bastion.core.errors import InputError
from bastion.enforce.evasion_store import evasion_links
from bastion.enforce.model import Decision
from bastion.enforce.settings import load_enforce_settings
from bastion.enforce.status import platforms_with_decisions, recheck, transparency_summary
from bastion.enforce.takedown import Takedowns
from bastion.enforce.webhook import dead_letters, delivery_counts, dispatcher_for
from bastion.store import Store

PlatformOption = Annotated[str | None, typer.Option("--platform", help="Platform name (default: all).")]
ByOption = Annotated[str, typer.Option("--by", help="Who decided (the reviewer's name).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why, in words the affected user can read.")]
ClauseOption = Annotated[str, typer.Option("--clause", help="The policy clause the decision rests on.")]


def register(app: typer.Typer) -> None:
    enforcement = command_group(app, "enforcement", "Follow-through on actions and reports.")
    enforcement.command("status")(enforcement_status)
    enforcement.command("deliver")(enforcement_deliver)
    takedown = command_group(app, "takedown", "Act on a whole network in one reviewed decision.")
    takedown.command("preview")(takedown_preview)
    takedown.command("apply")(takedown_apply)
    app.command("evasion")(evasion)


def render_status(store: Store, platform: str | None, days: float) -> None:
    """The follow-through table and the transparency summary (also used by the demo)."""
    for p in [platform] if platform else platforms_with_decisions(store):
        result = recheck(store, p, escalate_after_days=days)
        table = Table(
            "time since decision", "accounts", "still active", "share", title=f"{p}: follow-through"
        )
        for row in result.buckets:
            table.add_row(row.label, str(row.tracked), str(row.still_active), f"{row.share:.0%}")
        console.print(table)
        console.print(
            f"of {result.tracked} accounts actioned or reported, {result.still_active} are still active; "
            f"{len(result.escalate)} escalated (active {days:g}+ days after the decision)"
        )
        t = transparency_summary(store, p)
        share = t.share_still_active_30d
        roles = ", ".join(f"{n} {r}" for r, n in t.accounts_by_role.items()) or "none"
        median = "n/a" if t.median_hours_to_action is None else f"{t.median_hours_to_action:.1f} h"
        console.print(
            f"transparency: {t.networks_dismantled} network(s) dismantled; "
            f"accounts actioned by role: {roles}; "
            f"median time to action {median}; still active after 30 days: "
            + (
                "n/a (none 30 days old yet)"
                if share is None
                else f"{t.still_active_30d}/{t.old_enough_30d} ({share:.0%})"
            )
        )
        counts = delivery_counts(store, p)
        console.print("deliveries: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"))


@handle_errors
def enforcement_status(
    platform: PlatformOption = None,
    days: Annotated[
        float | None, typer.Option("--days", help="Escalate after N days (default from settings).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Of the accounts actioned or reported: how many are still active, and after how long."""
    settings = load_enforce_settings()
    with open_store(db) as store:
        render_status(store, platform, days if days is not None else settings.still_active_days)


@handle_errors
def enforcement_deliver(db: DbOption = None) -> None:
    """Deliver pending action events to the platform's webhook (retrying with backoff), list dead letters."""
    settings = load_enforce_settings()
    with open_store(db) as store:
        d = dispatcher_for(store, settings)
        r = d.drain()
        d.close()
        dead = dead_letters(store)
    console.print(f"delivered {r.delivered}, retried {r.failed}, dead-lettered {r.dead}")
    for item in dead:
        err_console.print(f"dead letter {item.delivery_id} (event {item.event_id}): {item.last_error}")


def _decision(by: str, reason: str, clause: str) -> Decision:
    return Decision(actor=by, reason=reason, clause=clause)


@handle_errors
def takedown_preview(network_id: str, platform: PlatformOption = None, db: DbOption = None) -> None:
    """Who a takedown would affect, in which role, with the evidence per member and the planned actions."""
    with open_store(db) as store:
        preview = Takedowns(store).preview(network_id, platform)
    table = Table("account", "role", "score", "actions", "evidence")
    for m in preview.members:
        table.add_row(
            m.account_id,
            m.role,
            f"{m.score:.2f}",
            ", ".join(map(str, m.todo)) or "(done)",
            "; ".join(m.evidence[:3]),
        )
    console.print(table)
    roles = ", ".join(f"{n} {r}" for r, n in sorted(preview.by_role().items()))
    console.print(
        f"network {network_id} on {preview.platform}: {len(preview.members)} members ({roles}); "
        f"{preview.new_actions} new action(s)"
    )


@handle_errors
def takedown_apply(
    network_id: str,
    by: ByOption,
    reason: ReasonOption,
    clause: ClauseOption,
    platform: PlatformOption = None,
    db: DbOption = None,
) -> None:
    """Apply a network takedown in one transaction, then deliver it (re-run to finish failed deliveries)."""
    settings = load_enforce_settings()
    with open_store(db) as store:
        td = Takedowns(store)
        result = td.apply(network_id, _decision(by, reason, clause), platform)
        console.print(
            f"takedown {result.takedown_id}: {result.created} action(s) recorded, "
            f"{result.skipped} already active"
        )
        if settings.webhook_url:
            d = dispatcher_for(store, settings)
            d.drain()
            d.close()
        states: dict[str, int] = {}
        for row in td.status(result.takedown_id):
            states[row["delivery"]] = states.get(row["delivery"], 0) + 1
    console.print("delivery: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    if states.get("pending") or states.get("dead"):
        err_console.print("[yellow]not every action reached the platform yet; re-run to retry[/yellow]")
        raise typer.Exit(3)


@handle_errors
def evasion(
    platform: PlatformOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    scan: Annotated[bool, typer.Option("--scan", help="Re-scan before listing.")] = False,
    db: DbOption = None,
) -> None:
    """New accounts that are likely re-creations of disabled ones, linked to the original's enforcement."""
    from bastion.enforce.evasion_store import scan_evasion, store_platforms

    with open_store(db) as store:
        if scan:
            for p in [platform] if platform else store_platforms(store):
                scan_evasion(store, p)  # platforms ban too: every platform, not only those Bastion acted on
        links = evasion_links(store, platform)
    if fmt == "json":
        keys = ("account_id", "original_account_id", "score", "evidence")
        sys.stdout.write(json.dumps([{k: link[k] for k in keys} for link in links], indent=1) + "\n")
        return
    if fmt != "table":
        raise InputError(f"unknown format {fmt!r} (table or json)", field="format")
    table = Table("account", "original", "score", "evidence")
    for link in links:
        table.add_row(
            link["account_id"],
            link["original_account_id"],
            f"{link['score']:.2f}",
            "; ".join(link["evidence"]),
        )
    console.print(table)
