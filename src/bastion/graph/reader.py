"""Database wiring, read side of detection runs: the stored networks, their export form and dossiers.

Kept apart from the write side (``service.py``) so a reviewer-facing tool can read cases without pulling in
the detection pipeline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from bastion.core.errors import NotFound
from bastion.graph.network import ROLES
from bastion.store import Store
from bastion.store.tables_graph import graph_members, graph_networks, graph_runs


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    network_id: str
    run_id: int
    platform: str
    score: float
    size: int
    roles: dict[str, int]
    minor_impressions: int


@dataclass(frozen=True, slots=True)
class DossierMember:
    account_id: str
    role: str
    score: float
    summary: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Dossier:
    """One network as a reviewer reads it: who is in it, in which role, why, and who saw them."""

    network_id: str
    platform: str
    run_id: int
    score: float
    members: dict[str, list[DossierMember]] = field(default_factory=dict)
    shared_links: list[tuple[str, int]] = field(default_factory=list)
    exposure: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.members.values())


class NetworkReader:
    """Reads the runs, networks and members that :class:`~bastion.graph.service.NetworkDetector` stored."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def latest_run(self, platform: str | None = None) -> int:
        name = self.store.resolve_platform(platform)
        with self.store.engine.connect() as conn:
            run = conn.execute(
                select(func.max(graph_runs.c.run_id)).where(graph_runs.c.platform == name)
            ).scalar()
        if run is None:
            raise NotFound(f"no detection run for platform {name!r} yet: run `bastion detect` first")
        return int(run)

    def networks(self, platform: str | None = None, run_id: int | None = None) -> list[NetworkSummary]:
        run = run_id if run_id is not None else self.latest_run(platform)
        q = (
            select(graph_networks)
            .where(graph_networks.c.run_id == run)
            .order_by(graph_networks.c.score.desc())
        )
        with self.store.engine.connect() as conn:
            return [
                NetworkSummary(
                    r.network_id,
                    r.run_id,
                    r.platform,
                    r.score,
                    r.size,
                    dict(r.roles),
                    int((r.exposure or {}).get("minor_impressions", 0)),
                )
                for r in conn.execute(q)
            ]

    def networks_json(self, platform: str | None = None, run_id: int | None = None) -> list[dict[str, Any]]:
        """The latest run's networks in the export format of platform-export.md (best first)."""
        out = []
        for s in self.networks(platform, run_id):
            rows = _members(self.store.engine, s.run_id, s.network_id)
            net: dict[str, Any] = {
                "network_id": s.network_id,
                "score": round(s.score, 4),
                "members": [
                    {
                        "account_id": r.account_id,
                        "platform": r.platform,
                        "role": r.role,
                        "score": round(r.score, 4),
                        "evidence": list(r.evidence),
                    }
                    for r in rows
                ],
            }
            exposure = _network_row(self.store.engine, s.run_id, s.network_id).exposure
            if exposure:
                net["recommendation_exposure"] = dict(exposure)
            out.append(net)
        return out

    def members_of_latest_run(self, platform: str) -> dict[str, set[str]]:
        """Network id -> member accounts, in the platform's latest run (none: empty)."""
        with self.store.engine.connect() as conn:
            run = conn.execute(
                select(func.max(graph_runs.c.run_id)).where(graph_runs.c.platform == platform)
            ).scalar()
            if run is None:
                return {}
            q = select(graph_members.c.network_id, graph_members.c.account_id).where(
                graph_members.c.run_id == run
            )
            out: dict[str, set[str]] = {}
            for network_id, account in conn.execute(q):
                out.setdefault(network_id, set()).add(account)
        return out

    def dossier(self, network_id: str) -> Dossier:
        """``network_id`` as ``bastion networks`` shows it ("<run>-<k>": the run that first found it); a
        network a later run continued (``lineage.py``) is shown as the latest run found it."""
        run_text, _, _ = network_id.partition("-")
        if not run_text.isdigit():
            raise NotFound(f"no network {network_id!r}: ids look like '12-1' (see `bastion networks`)")
        with self.store.engine.connect() as conn:
            latest = conn.execute(
                select(func.max(graph_networks.c.run_id)).where(graph_networks.c.network_id == network_id)
            ).scalar()
        row = _network_row(self.store.engine, int(latest if latest is not None else run_text), network_id)
        members = _members(self.store.engine, row.run_id, network_id)
        by_role: dict[str, list[DossierMember]] = {r: [] for r in ROLES}
        for m in members:
            reasons = tuple(str(e.get("text", "")) for e in m.evidence[1:] if e.get("text"))
            by_role[m.role].append(DossierMember(m.account_id, m.role, m.score, m.summary, reasons))
        links = _shared_domains(m.evidence for m in members)
        return Dossier(
            network_id,
            row.platform,
            row.run_id,
            row.score,
            {k: v for k, v in by_role.items() if v},
            links,
            dict(row.exposure or {}),
        )


def _network_row(engine: Engine, run_id: int, network_id: str) -> Any:
    q = select(graph_networks).where(
        graph_networks.c.run_id == run_id, graph_networks.c.network_id == network_id
    )
    with engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"no network {network_id!r} (see `bastion networks`)")
    return row


def _members(engine: Engine, run_id: int, network_id: str) -> list[Any]:
    q = (
        select(graph_members)
        .where(graph_members.c.run_id == run_id, graph_members.c.network_id == network_id)
        .order_by(graph_members.c.score.desc(), graph_members.c.account_id)
    )
    with engine.connect() as conn:
        return list(conn.execute(q))


def _shared_domains(evidence_lists: Any) -> list[tuple[str, int]]:
    count: Counter[str] = Counter()
    for evidence in evidence_lists:
        for e in evidence:
            for d in e.get("domains", []):
                count[d] += 1
    return [(d, k) for d, k in count.most_common() if k >= 2]


__all__ = ["Dossier", "DossierMember", "NetworkReader", "NetworkSummary"]
