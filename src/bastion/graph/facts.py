"""The stored facts behind each signal (matched term, link domains, reporters, blocked queries) in words.

Detectors only see signal strengths; a reviewer needs what was matched and where, so the write side adds
these facts to member evidence before storing a run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bastion.graph.detector import Evidence
from bastion.graph.load import LoadedPlatform
from bastion.graph.network import Network
from bastion.graph.signals import BLOCKED_SEARCH, HASH_MATCH, REPORT, SHARED_LINK, TERM_MATCH

#: A domain held by this many accounts or more is named as one an operator may know (an institution's, a
#: marketplace's): a seller cell's storefront is held by its cell, a few dozen at most, and a class of 200
#: students who link their university's site was read as one (``domains.py``).
MANY_HOLDERS = 50


def with_facts(net: Network, loaded: LoadedPlatform) -> Network:
    """Add the stored facts behind each signal (matched term, link domains, reporters) to member evidence."""
    graph = loaded.graph
    members = []
    for m in net.members:
        i = graph.index[m.account_id]
        extra: list[Evidence] = []
        for e in m.evidence:
            facts = loaded.facts.get((i, e.signal))
            if facts:
                extra.append(
                    replace(
                        e, text=e.text + "; " + fact_words(e.signal, facts), data={**e.data, "facts": facts}
                    )
                )
            else:
                extra.append(e)
        if i in loaded.domains:
            extra.append(
                Evidence(
                    SHARED_LINK if any(x.signal == SHARED_LINK for x in m.evidence) else "links",
                    "links in profile: " + ", ".join(loaded.domains[i]),
                    {"domains": loaded.domains[i]},
                )
            )
        members.append(replace(m, evidence=tuple(extra)))
    return replace(net, members=tuple(members))


def fact_words(kind: str, facts: list[dict[str, Any]]) -> str:
    if kind == TERM_MATCH:
        return "matched " + ", ".join(
            f"{f.get('term', '?')!r} in {f.get('column', f.get('field', 'text'))}"
            + (f" (evasions: {', '.join(f['evasions'])})" if f.get("evasions") else "")
            for f in facts
        )
    if kind == SHARED_LINK:
        held = (f"{f['domain']} with {f['accounts'] - 1} other account(s)" for f in facts)
        words = "shares " + ", ".join(held)
        many = [f["domain"] for f in facts if f["accounts"] >= MANY_HOLDERS]
        if many:
            words += (
                f" ({many[0]} is held by many: if it is an institution's or a known service's, "
                f"`bastion domains allow {many[0]}` makes it no one's evidence from the next run on)"
            )
        return words
    if kind == REPORT:
        f = facts[0]
        unreliable = [
            f"{f[k]} {what}"
            for k, what in (
                ("poor_record", "with reports reviewers mostly rejected"),
                ("bad_faith", "marked as reporting in bad faith"),
            )
            if f.get(k)
        ]
        return f"{f['reporters']} distinct reporter(s)" + (
            f" ({', '.join(unreliable)}: discounted)" if unreliable else ""
        )
    if kind == HASH_MATCH:
        return "matched " + ", ".join(
            f"list {f.get('list', '?')} entry {f.get('entry_id', '?')}" for f in facts
        )
    if kind == BLOCKED_SEARCH:
        total = int(facts[0].get("total", len(facts)))
        return f"{total} blocked search(es), e.g. " + ", ".join(repr(f.get("query", "?")) for f in facts)
    return ""
