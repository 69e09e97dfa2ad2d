"""From graph, seeds and signals to scored accounts and networks (the local engine's whole run).

Two stages because the dense-block and buyer detectors need a first idea of who is suspect: stage 1
(signals, propagation, lockstep) nominates suspects; stage 2 looks for dense blocks among them and for
accounts that reach out to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bastion.graph import contact, dense, lockstep, propagation  # noqa: F401  (register detectors)
from bastion.graph.cluster import cluster_suspects
from bastion.graph.combine import STAGE1_WEIGHTS, STAGE2_WEIGHTS, Combiner
from bastion.graph.contact import STRUCTURE
from bastion.graph.container import AccountGraph, FloatArray, IntArray, symmetric_adjacency
from bastion.graph.dense import SUSPECT
from bastion.graph.detector import Detector, DetectorResult, Evidence, available, create
from bastion.graph.exposure import recommendation_exposure
from bastion.graph.network import Member, Network
from bastion.graph.propagation import WALK_WEIGHTS
from bastion.graph.roles import RoleScores, assign_role, role_scores, role_sentence, signal_evidence
from bastion.graph.signals import SELLER_WEIGHTS, all_signals, noisy_or


@dataclass(frozen=True, slots=True)
class DetectConfig:
    threshold: float = 0.5
    stage1: Mapping[str, float] = field(default_factory=lambda: dict(STAGE1_WEIGHTS))
    stage2: Mapping[str, float] = field(default_factory=lambda: dict(STAGE2_WEIGHTS))
    resolution: float = 0.005
    min_network: int = 3
    engine: str = "local"


@dataclass(slots=True)
class Detection:
    """Everything one run learned; ``score`` ranks accounts for review, ``networks`` are the cases."""

    score: FloatArray
    seller: FloatArray
    buyer: FloatArray
    results: dict[str, DetectorResult]
    roles: RoleScores
    networks: list[Network]


def detect(graph: AccountGraph, seeds: Iterable[str] = (), config: DetectConfig | None = None) -> Detection:
    cfg = config or DetectConfig()
    seed_idx = graph.indices(seeds)
    sig = all_signals(graph)
    prior = noisy_or(sig, SELLER_WEIGHTS, graph.n)
    results = {
        name: _detector(name, cfg.engine).run(graph, seed_idx, sig) for name in ("propagation", "lockstep")
    }
    parts = {"prior": prior, **{k: r.scores for k, r in results.items()}}
    suspect = Combiner(cfg.stage1).combine(parts)
    suspect[seed_idx] = 1.0
    results["dense"] = _detector("dense", cfg.engine).run(graph, seed_idx, {**sig, SUSPECT: suspect})
    parts["dense"] = results["dense"].scores
    seller = Combiner(cfg.stage2).combine(parts)
    seller[seed_idx] = np.maximum(seller[seed_idx], 0.9)
    structure = 1.0 - (1.0 - results["lockstep"].scores) * (1.0 - results["dense"].scores)
    results["contact"] = _detector("contact", cfg.engine).run(
        graph, seed_idx, {**sig, SUSPECT: seller, STRUCTURE: structure}
    )
    buyer = results["contact"].scores
    score = np.maximum(seller, buyer)
    roles = role_scores(
        graph, sig, seller, {k: r.scores for k, r in results.items()}, results["contact"].parts.get("reach")
    )
    flagged = np.flatnonzero(score >= cfg.threshold)
    adj = symmetric_adjacency(graph, WALK_WEIGHTS)
    adj.data = np.maximum(adj.data, 0.0)
    groups = cluster_suspects(adj, flagged, resolution=cfg.resolution, min_size=cfg.min_network)
    seedset = set(seed_idx.tolist())
    networks = [
        _network(graph, g, k, score, roles, sig, results, seedset) for k, g in enumerate(groups, start=1)
    ]
    networks.sort(key=lambda n: -n.score)
    return Detection(score, seller, buyer, results, roles, networks)


def _detector(name: str, engine: str) -> Detector[Any]:
    """The engine's own detector, or the local one (engines only reimplement what needs the whole graph)."""
    if engine != "local" and engine == "spark" and name not in available("spark"):
        from bastion.graph import spark  # noqa: F401  (registers the Spark detectors)
    return create(name, engine if name in available(engine) else "local")


def _network(
    graph: AccountGraph,
    group: IntArray,
    k: int,
    score: FloatArray,
    roles: RoleScores,
    sig: Mapping[str, FloatArray],
    results: Mapping[str, DetectorResult],
    seeds: set[int],
) -> Network:
    members = []
    for i in sorted(group.tolist(), key=lambda j: -score[j]):
        role, role_score = assign_role(i, roles)
        ev: list[Evidence] = [
            Evidence("role", role_sentence(role, i, roles), {"role_score": round(role_score, 4)})
        ]
        if i in seeds:
            ev.append(Evidence("seed", "given as a seed account", {}))
        ev += [Evidence(kind, text, {"strength": round(v, 4)}) for kind, text, v in signal_evidence(sig, i)]
        for r in results.values():
            ev += r.evidence.get(i, [])
        conf = member_confidence(float(score[i]), role_score)
        ev.insert(1, Evidence("score", _parts_sentence(i, conf, results), {"confidence": round(conf, 4)}))
        members.append(Member(graph.ids[i], graph.platform, role, conf, tuple(ev)))
    top = np.sort(score[group])[::-1]
    net_score = float(top[: max(3, len(top) // 2)].mean())
    return Network(
        network_id=f"{graph.platform}-net-{k}",
        score=net_score,
        members=tuple(members),
        exposure=recommendation_exposure(graph, group),
        detectors=tuple(results),
    )


def member_confidence(detection: float, role_score: float) -> float:
    """A member's displayed score: detection strength and how clearly its role stands out, both needed.

    The detection score saturates for accounts with every kind of evidence, and the role score for a clear
    seller; their geometric mean stays below 1 unless both are certain, so a reviewer sees which members are
    borderline (a buyer with one blocked search and three follows) and which are not.
    """
    return float(np.sqrt(np.clip(detection, 0.0, 1.0) * np.clip(role_score, 0.0, 1.0)))


def _parts_sentence(i: int, conf: float, results: Mapping[str, DetectorResult]) -> str:
    parts = ", ".join(f"{k} {float(r.scores[i]):.2f}" for k, r in results.items())
    return f"score {conf:.2f} from detectors: {parts} (each 0..1)"
