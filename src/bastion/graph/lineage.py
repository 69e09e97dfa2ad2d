"""Which network of a new run continues which network of the run before: it keeps that network's id.

Why: review, enforcement and triage hold on to a network by its id (an open network case, a takedown
preview, the reports that join a network's open case). Each run used to number its networks afresh, so
after the next ``bastion detect`` an open case showed no members, and its decision acted on no one (an
outside check: a case of 82 members showed 0). A network is the same network while it keeps most of
its members; one that split continues in its larger part, and two that merged continue as the one that
brought more members, the other's id kept as an alias of it (``absorbed``: a case on the network that
merged in finds its members in the network that took them).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

#: A new network continues an earlier one when they share at least this share of the smaller of the two.
SAME_NETWORK_SHARE = 0.5


def continued(earlier: Mapping[str, Collection[str]], found: Sequence[Collection[str]]) -> list[str | None]:
    """For each network in ``found`` (its members), the id of the ``earlier`` network (id -> members) it
    continues, or None: one to one, the pairs sharing the most members first (ties by id and position,
    so the same runs give the same ids)."""
    owner: dict[str, list[str]] = {}
    for network_id in sorted(earlier):
        for account in earlier[network_id]:
            owner.setdefault(account, []).append(network_id)
    pairs: list[tuple[int, str, int]] = []
    for k, members in enumerate(found):
        shared: dict[str, int] = {}
        for account in members:
            for network_id in owner.get(account, ()):
                shared[network_id] = shared.get(network_id, 0) + 1
        for network_id, count in shared.items():
            if count >= SAME_NETWORK_SHARE * min(len(members), len(earlier[network_id])):
                pairs.append((count, network_id, k))
    out: list[str | None] = [None] * len(found)
    taken: set[str] = set()
    for _, network_id, k in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if out[k] is None and network_id not in taken:
            out[k] = network_id
            taken.add(network_id)
    return out


def absorbed(
    earlier: Mapping[str, Collection[str]], found: Sequence[Collection[str]], ids: Sequence[str | None]
) -> list[list[str]]:
    """For each network in ``found``, the ``earlier`` networks that ended in it: none of ``ids`` continues
    them, and it holds at least ``SAME_NETWORK_SHARE`` of their members (the one holding most)."""
    continuing = {i for i in ids if i is not None}
    out: list[list[str]] = [[] for _ in found]
    sets = [set(members) for members in found]
    for network_id in sorted(earlier):
        if network_id in continuing or not earlier[network_id]:
            continue
        members = set(earlier[network_id])
        shared = [len(members & f) for f in sets]
        if not shared:
            continue
        k = max(range(len(shared)), key=lambda j: (shared[j], -j))
        if shared[k] >= SAME_NETWORK_SHARE * len(members):
            out[k].append(network_id)
    return out
