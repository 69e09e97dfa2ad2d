"""Detected networks and their export form (platform-export.md, "Outputs that other tools read")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion.graph.detector import Evidence
from bastion.graph.exposure import Exposure

ROLES = ("seller", "buyer", "facilitator", "unknown")


@dataclass(frozen=True, slots=True)
class Member:
    account_id: str
    platform: str
    role: str
    score: float
    evidence: tuple[Evidence, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "platform": self.platform,
            "role": self.role,
            "score": round(self.score, 4),
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True, slots=True)
class Network:
    network_id: str
    score: float
    members: tuple[Member, ...]
    exposure: Exposure | None = None
    detectors: tuple[str, ...] = field(default=())
    #: ids of earlier networks that merged into this one (``lineage.absorbed``): a case on one finds its
    #: members here
    merged: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The export format; exposure is an extra key, which the format allows readers to ignore."""
        out: dict[str, Any] = {
            "network_id": self.network_id,
            "score": round(self.score, 4),
            "members": [m.to_json() for m in self.members],
        }
        if self.exposure is not None:
            out["recommendation_exposure"] = self.exposure.to_json()
        return out

    def role_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ROLES, 0)
        for m in self.members:
            counts[m.role] += 1
        return counts


def to_export(networks: list[Network]) -> list[dict[str, Any]]:
    return [n.to_json() for n in networks]
