"""What was planted, kept beside (never inside) the export so tests and benchmarks can score detection."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class GroundTruth:
    platform: str
    roles: dict[str, str] = field(default_factory=dict)  # account_id -> seller/buyer/facilitator/decoy
    network_of: dict[str, int] = field(default_factory=dict)
    cell_of: dict[str, int] = field(default_factory=dict)
    code_words: list[str] = field(default_factory=list)
    rotated_variants: list[str] = field(default_factory=list)
    known_hashes: list[dict[str, str]] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)
    minors: list[str] = field(default_factory=list)

    def members(self, role: str) -> list[str]:
        return sorted(a for a, r in self.roles.items() if r == role)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> GroundTruth:
        return cls(**json.loads(path.read_text(encoding="utf-8")))
