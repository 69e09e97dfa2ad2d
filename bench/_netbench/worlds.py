"""The planted worlds both benchmarks read: each real graph with the network sized for it (about 2-4% of its
accounts), a cohort of new stories-only friends, and the plant seed its name gives (so bench/networks.py and
bench/verdicts.py measure the same world)."""

from __future__ import annotations

import zlib
from dataclasses import replace

from bastion.graph.plant import PlantConfig

#: A cohort that joined together (new accounts, mostly stories, friends) planted into every real world
#: and clean graph: every profile trait of a seller cell, shared innocently.
COHORT_SIZE = 40
#: The network planted into each real graph, and into the synthetic platforms.
REAL_WORLDS = {
    "email-eu-core": PlantConfig(sellers=60, buyers=15, cells=4, cohort=COHORT_SIZE),
    "ego-facebook": PlantConfig(sellers=150, buyers=30, cells=6, cohort=COHORT_SIZE),
    "github-musae": PlantConfig(sellers=405, buyers=58, cells=10, cohort=COHORT_SIZE),
}
SYNTHETIC_WORLD = PlantConfig(sellers=405, buyers=58, cells=10, cohort=COHORT_SIZE)


def sized_world(n: int) -> PlantConfig:
    """The network for a real graph of ``n`` accounts that has no world above (bench/networks.py's
    ``--edges``, bench/trust.py's ``--plant``): about 2.5% of the accounts sellers, a buyer for every five
    sellers, cells of about 25 (the proportions of the worlds above)."""
    sellers = max(40, int(round(0.025 * n, -1)))
    return PlantConfig(sellers=sellers, buyers=sellers // 5, cells=max(3, sellers // 25), cohort=COHORT_SIZE)


def world(name: str, config: PlantConfig) -> PlantConfig:
    """``config`` planted with the seed of the world named ``name``."""
    return replace(config, seed=zlib.crc32(name.encode()) % 1000)
