"""The term guard's demo step: import a lexicon of the platform's code words, scan, replay searches through
the guard, and propose rotated variants.

The lexicon is the ground truth's invented code words only (the operator's list in a real deployment); the
rotated variants are not in it, so discovery has to find them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.repository import LexiconRepository
from bastion.terms.service import TermGuard
from bastion.terms.views import FieldKind

if TYPE_CHECKING:
    from bastion.demo.runner import DemoContext

DEMO_LEXICON = "demo-codewords"
SHOW_BLOCKED = 6
SHOW_CANDIDATES = 8


def demo_step(ctx: DemoContext) -> None:
    truth, console = ctx.truth, ctx.console
    path = ctx.export_dir.parent / f"{DEMO_LEXICON}.csv"
    path.write_text(
        "term,category,severity,note\n"
        + "".join(f"{w},demo_block,critical,invented demo code word\n" for w in truth.code_words),
        encoding="utf-8",
    )
    repo = LexiconRepository(ctx.store)
    summary = repo.import_lexicon(parse_lexicon_csv(path, name=DEMO_LEXICON), by="demo", source="demo")
    console.print(f"lexicon [bold]{DEMO_LEXICON}[/bold]: {len(summary.added)} invented code words → {path}")

    guard = TermGuard.from_store(ctx.store)
    platform = truth.platform
    matches = guard.scan(platform)
    blocked = guard.scan_searches(platform)
    console.print(f"scan: {matches:,} term_match signals (bios, usernames, posts, hashtags)")

    table = Table("account", "role (truth)", "query", "evasions", "action")
    rows = []
    by_role: dict[str, int] = {}
    for row, decision in guard.blocked_searches(platform):
        role = truth.roles.get(row.account_id, "ordinary")
        by_role[role] = by_role.get(role, 0) + 1
        evasions = ", ".join(decision.event.evasions) if decision.event else ""
        rows.append((role != "buyer", not evasions, row.account_id, role, row.query, evasions))
    for *_, account, role, query, evasions in sorted(rows)[:SHOW_BLOCKED]:
        table.add_row(account, role, query, evasions, "block")
    console.print(
        f"search guard over ingested searches: {blocked:,} blocked "
        f"({', '.join(f'{n} {r}' for r, n in sorted(by_role.items()))}); no 'see results anyway'"
    )
    console.print(table)
    message = guard.search_guard.policy.block_message
    console.print(f"[dim]a blocked searcher sees: {message}[/dim]")

    found = guard.discover(platform, limit=SHOW_CANDIDATES)
    planted = set(truth.rotated_variants)
    caught = sorted(v for v in planted if guard.matcher.match(v, FieldKind.HASHTAG))
    console.print(
        f"{len(caught)} of {len(planted)} planted rotations are already matched by normalisation "
        f"(e.g. {', '.join(caught[:3])}); discovery has to find the others"
    )
    cands = Table("#", "candidate", "lift", "support", "planted variant?")
    for rank, c in enumerate(found, 1):
        cands.add_row(str(rank), c.item, f"{c.lift:.1f}", str(c.support), "yes" if c.item in planted else "")
    console.print("variant discovery (hashtags and queries that keep company with known terms):")
    console.print(cands)
    ctx.findings["terms"] = {
        "term_match": matches,
        "blocked_search": blocked,
        "blocked_by_role": by_role,
        "candidates": [(c.item, round(c.lift, 2), c.support) for c in found],
        "planted_in_top": [c.item for c in found if c.item in planted],
    }
