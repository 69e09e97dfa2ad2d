"""How big and how hostile a synthetic platform is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Camouflage = Literal["none", "random", "popular"]


@dataclass(frozen=True)
class SynthConfig:
    """``accounts`` is the size knob; everything else scales with it unless set."""

    accounts: int = 2_000
    seed: int = 7
    networks: int = 2
    cells_per_network: int = 3
    seller_share: float = 0.02
    buyers_per_seller: float = 0.7
    decoy_share: float = 0.01
    mean_follows: float = 12.0
    minor_share: float = 0.15
    camouflage: Camouflage = "popular"
    camouflage_edges: int = 6
    posts_per_account: float = 2.0
    interaction_share: float = 0.3  # share of follows that also carry an interaction row
    platform: str = "synthbook"
    start: str = "2023-01-01T00:00:00Z"
    days: int = 720

    @property
    def sellers(self) -> int:
        return max(self.networks * self.cells_per_network * 3, round(self.accounts * self.seller_share))

    @property
    def cells(self) -> int:
        """Cells stay small (about 40 sellers) however large the platform: real cells are small teams."""
        return max(self.networks * self.cells_per_network, -(-self.sellers // 40))

    @property
    def buyers(self) -> int:
        return max(4, round(self.sellers * self.buyers_per_seller))

    @property
    def facilitators(self) -> int:
        return max(self.networks, self.sellers // 10)

    @property
    def decoys(self) -> int:
        return max(3, round(self.accounts * self.decoy_share))
