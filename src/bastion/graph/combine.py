"""Weighted combination of detector scores into one suspicion per account.

Weights are chosen on bench/networks.py (see its ablation rows). Stage 1 (who is suspect enough to look
for dense blocks among) leans on propagation, which ties an account to seeds and signalled accounts.
Stage 2 leans on the account's own signals: a seller must not need every kind of structure to pass,
and a decoy (one code word used innocently, weak prior, no network around it) still stays below the
threshold because its prior is weak and nothing else adds to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from bastion.core.errors import ConfigError
from bastion.graph.container import FloatArray

#: Round-4 ablation (bench/networks.py, synth columns included): own signals carry stage 2 because the
#: bastion.synth platform's sellers have no lockstep (their follows are not synchronised) and only weak
#: dense blocks (cells of five), so every weight on those detectors is a share they cannot earn; equal
#: weights found 6 of 18 sellers there. Propagation and lockstep still lift planted sellers without own
#: signals in the real graphs. github-musae under popular camouflage failed with the round-2 weights
#: because the buyer detector counted popular camouflage targets as sellers (fixed in contact.py, the
#: seller-evidence gate), not because of the weights.
#:
#: Round 5 decision: the dense-block score has weight 0 in stage 2. With dense 0.1 (prior 0.5,
#: propagation 0.3, lockstep 0.1) the full run missed the ablation's own bar on synth 800/3 seeded
#: (sellers in networks 0.889 < 0.90) and had mean R-precision 0.9879 over the 9 real-graph settings;
#: without it (prior 0.5, propagation 0.35, lockstep 0.15) every cell held, synth sellers 1.000
#: everywhere, mean R-precision 0.9899, never lower in any real setting. The dense detector still runs:
#: its scores feed the structure evidence of contact.py's seller-evidence gate, the seller role in
#: roles.py, and its blocks are evidence a reviewer sees; only its share of the ranking score is zero.
STAGE1_WEIGHTS: Mapping[str, float] = {"prior": 0.25, "propagation": 0.5, "lockstep": 0.25}
STAGE2_WEIGHTS: Mapping[str, float] = {"prior": 0.5, "propagation": 0.35, "lockstep": 0.15, "dense": 0.0}
#: The round-4 default, kept for the ablation row that justifies dropping dense from the score.
STAGE2_WITH_DENSE: Mapping[str, float] = {"prior": 0.5, "propagation": 0.3, "lockstep": 0.1, "dense": 0.1}


@dataclass(frozen=True, slots=True)
class Combiner:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(STAGE2_WEIGHTS))

    def __post_init__(self) -> None:
        if not self.weights or any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ConfigError(f"combiner weights must be non-negative and not all zero: {dict(self.weights)}")

    def combine(self, scores: Mapping[str, FloatArray]) -> FloatArray:
        missing = set(self.weights) - set(scores)
        if missing:
            raise ConfigError(f"combiner needs scores for {sorted(missing)}")
        total = sum(self.weights.values())
        out = sum(w * np.clip(scores[k], 0.0, 1.0) for k, w in self.weights.items())
        return np.asarray(out, dtype=np.float64) / total
