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
                    "shared_link" if any(x.signal == "shared_link" for x in m.evidence) else "links",
                    "links in profile: " + ", ".join(loaded.domains[i]),
                    {"domains": loaded.domains[i]},
                )
            )
        members.append(replace(m, evidence=tuple(extra)))
    return replace(net, members=tuple(members))


def fact_words(kind: str, facts: list[dict[str, Any]]) -> str:
    if kind == "term_match":
        return "matched " + ", ".join(
            f"{f.get('term', '?')!r} in {f.get('column', f.get('field', 'text'))}"
            + (f" (evasions: {', '.join(f['evasions'])})" if f.get("evasions") else "")
            for f in facts
        )
    if kind == "shared_link":
        return "shares " + ", ".join(
            f"{f['domain']} with {f['accounts'] - 1} other account(s)" for f in facts
        )
    if kind == "report":
        return f"{facts[0]['reporters']} distinct reporter(s)"
    if kind == "hash_match":
        return "matched " + ", ".join(
            f"list {f.get('list', '?')} entry {f.get('entry_id', '?')}" for f in facts
        )
    if kind == "blocked_search":
        total = int(facts[0].get("total", len(facts)))
        return f"{total} blocked search(es), e.g. " + ", ".join(repr(f.get("query", "?")) for f in facts)
    return ""
