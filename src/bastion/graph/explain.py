"""Why an account is or is not flagged: a fresh scoring's dossier entry for any account, member or not.

A reviewer answering an appeal, or an operator asking why an account that was reported was not flagged,
needs the evidence a member's dossier shows, and where it fell short: below the flag threshold, or above
it but in no network (a network needs ``min_network`` flagged accounts tied by contacts they chose, one of
them standing on evidence of its own). The scoring is the one ``bastion detect`` makes (same seeds, weights
and random seed), read from the platform as stored; nothing is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.core.errors import NotFound
from bastion.graph.facts import with_facts
from bastion.graph.model import contributions
from bastion.graph.netbuild import PROFILE_PER_HARM_MAX, member
from bastion.graph.network import Member, Network
from bastion.graph.service import Computed


@dataclass(frozen=True, slots=True)
class Explanation:
    """One account's entry (as a member's dossier shows it), whether it is flagged, and why in words."""

    member: Member
    flagged: bool
    status: str


def explain(done: Computed, account_id: str) -> Explanation:
    """``done``: a scoring of the whole platform (``NetworkDetector.compute``)."""
    graph, det = done.loaded.graph, done.result
    i = graph.index.get(account_id)
    if i is None:
        raise NotFound(f"no account {account_id!r} on platform {done.platform!r}")
    for k, net in enumerate(done.networks, start=1):
        for m in net.members:
            if m.account_id == account_id:
                status = (
                    f"flagged: {m.role} in network {k} of the {len(done.networks)} this scoring finds "
                    f"({len(net.members)} members), probability {m.score:.4f}"
                )
                return Explanation(m, True, status)
    seeds = set(graph.indices(done.seeds).tolist())
    parts = contributions(det.features, det.weights, np.array([i], dtype=np.int64))[0]
    entry = member(graph, i, det, i in seeds, parts, det.weights.to_json(), flagged=False)
    entry = with_facts(Network("", entry.score, (entry,)), done.loaded).members[0]
    threshold = done.config.threshold
    if entry.score >= threshold and det.held[i]:
        status = (
            f"not flagged: probability {entry.score:.4f}, at or above the flag threshold {threshold:.2f}, "
            f"but held out of networks: {graph.cleared.words(i, det.strong)}"
        )
    elif entry.score >= threshold:
        status = (
            f"not flagged: probability {entry.score:.4f}, at or above the flag threshold {threshold:.2f}, "
            f"but in no network (a network needs {done.config.min_network} or more flagged accounts tied "
            "by contacts they chose, one of them standing on evidence of its own that speaks of this harm: "
            "a lexicon word (not one of a member that reports others: it warns), a known hash, reports not "
            "for spam or a seed, not only a shared link domain, "
            "profile traits or lockstep, and no more than "
            f"{PROFILE_PER_HARM_MAX} members standing on those alone for each that speaks of it)"
        )
    else:
        status = f"not flagged: probability {entry.score:.4f}, below the flag threshold {threshold:.2f}"
    return Explanation(entry, False, status)
