"""The graph capability's manifest: seller/buyer networks from seeds or none, with roles and evidence."""

from __future__ import annotations

from typing import Any

from bastion.core.capability import Capability, Job, OptionalFeature
from bastion.graph.kinds import NETWORK_MEMBER, NEW_ACCOUNT, REPORT, SHARED_LINK, STORIES_ONLY
from bastion.graph.settings import GraphSettings


def _service(b: Any) -> object:
    from bastion.graph.service import NetworkDetector

    section = b.section("graph")
    return NetworkDetector(
        b.store,
        refresh=lambda _store, platform: b.refresh(platform, before="graph"),
        catchup_hops=section.catchup_hops,
        catchup_max_drift=section.catchup_max_drift,
    )


def _catchup(b: Any) -> object:
    """The scheduled catch-up: scans, detection and triage on the live events since the last one. It spans
    capabilities, so the façade runs it; graph declares it because detection is what it keeps current."""
    return b.catchup()


def _catchup_every(b: Any) -> float:
    return float(b.section("graph").catchup_interval_seconds)


def _commands(app: Any) -> None:
    from bastion.cli import domains_cmd, graph_cmd

    graph_cmd.register(app)
    domains_cmd.register(app)


def _demo(ctx: Any) -> None:
    from bastion.demo.steps import networks_step

    networks_step(ctx)


CAPABILITY = Capability(
    name="graph",
    summary="whole networks from a few seeds or none: calibrated member scores, roles and the evidence",
    order=40,
    service=_service,
    settings={"graph": GraphSettings},
    commands=_commands,
    demo=(("find the networks", _demo),),
    signal_kinds=(NETWORK_MEMBER, REPORT, SHARED_LINK, STORIES_ONLY, NEW_ACCOUNT),
    migrations="graph",
    optional=(OptionalFeature("the Spark engine", "pyspark", "pip install 'bastion[spark]'"),),
    jobs=(Job("catchup", _catchup, _catchup_every),),
)
