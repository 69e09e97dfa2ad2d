"""Which capabilities this install has: the built-in manifests, then any registered under the
``bastion.capabilities`` entry point group by another package. A plugin that fails to load is kept as a
problem to report (``bastion capabilities``, the service's log), never dropped silently."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points

from bastion.connectors.mastodon.plugin import CAPABILITY as MASTODON
from bastion.core.capability import Capability
from bastion.enforce.plugin import CAPABILITY as ENFORCE
from bastion.exchange.plugin import CAPABILITY as EXCHANGE
from bastion.graph.plugin import CAPABILITY as GRAPH
from bastion.guard.plugin import CAPABILITY as GUARD
from bastion.ingest.plugin import CAPABILITY as INGEST
from bastion.media.plugin import CAPABILITY as MEDIA
from bastion.report.plugin import CAPABILITY as REPORT
from bastion.review.plugin import CAPABILITY as REVIEW
from bastion.terms.plugin import CAPABILITY as TERMS

log = logging.getLogger("bastion.plugins")
BUILT_IN = (INGEST, TERMS, MEDIA, EXCHANGE, GRAPH, GUARD, REVIEW, ENFORCE, REPORT, MASTODON)
GROUP = "bastion.capabilities"


@dataclass(frozen=True)
class Problem:
    """A plugin that could not be loaded, or a feature of one that cannot run here."""

    capability: str
    detail: str


@dataclass(frozen=True)
class Installed:
    capabilities: tuple[Capability, ...]
    problems: tuple[Problem, ...]

    def get(self, name: str) -> Capability | None:
        return next((c for c in self.capabilities if c.name == name), None)


@cache
def installed() -> Installed:
    """Every capability in pipeline order, with what is missing for each."""
    found: dict[str, Capability] = {c.name: c for c in BUILT_IN}
    problems: list[Problem] = []
    for ep in entry_points(group=GROUP):
        try:
            cap = ep.load()
        except Exception as exc:
            problems.append(Problem(ep.name, f"not loaded: {type(exc).__name__}: {exc}"))
            log.warning("capability plugin %s not loaded: %s", ep.name, exc)
            continue
        if not isinstance(cap, Capability):
            problems.append(Problem(ep.name, f"{ep.value} is not a bastion.core.capability.Capability"))
            continue
        if cap.name in found and found[cap.name] is not cap:
            problems.append(Problem(cap.name, f"{ep.value} has the name of another capability; ignored"))
            continue
        found[cap.name] = cap
    for cap in found.values():
        for feature in cap.missing():
            problems.append(Problem(cap.name, f"{feature.feature} unavailable: {feature.install}"))
    ordered = tuple(sorted(found.values(), key=lambda c: (c.order, c.name)))
    return Installed(ordered, tuple(problems))
