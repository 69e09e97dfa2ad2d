"""Reports as evidence: the share of an account's incoming attention that is reports, by credible reporters.

A report count alone favours popular accounts (more viewers, more reports) and bad-faith campaigns (one
person reporting fifty strangers). So each reporter's weight falls with how many accounts they reported
(the square root: three reports are a witness, three hundred a campaign), and the account's weighted
report count is read against everything else it received (follows, likes, comments, messages): a small
account with three credible reports stands out, a celebrity with three among ten thousand does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import FOLLOW, INTERACTION, MESSAGE, REPORT, AccountGraph, FloatArray

#: Reports by one reporter that count in full; above this each weighs sqrt(FULL / reports made).
FULL_WEIGHT_REPORTS = 3.0
#: Weighted reports that make full strength, and the report share at which concentration is full.
FULL_REPORTS = 2.0
FULL_SHARE = 0.05
#: The part of the strength that keeps rising past those knees, mostly with the share (``rising``): where
#: routine disputes take many accounts past them (a trading platform), the accounts whose attention is
#: most reports must still rank above the others, and a graded kind is read by that order
#: (``baserate._graded``); elsewhere it moves a strength by at most this much.
PAST_KNEE = 0.1


@dataclass(frozen=True, slots=True)
class ReportEvidence:
    strength: FloatArray
    weighted: FloatArray
    share: FloatArray
    reporters: FloatArray
    credibility: FloatArray

    def words(self, i: int) -> str:
        return (
            f"reported by {int(self.reporters[i])} account(s), {self.weighted[i]:.1f} after discounting "
            f"mass reporters; {100 * self.share[i]:.1f}% of what it received is reports"
        )


def report_evidence(graph: AccountGraph) -> ReportEvidence | None:
    """Strength in [0, 1] per account from the report layer, or None when the platform sent no reports."""
    rep = graph.layer(REPORT)
    if rep.nnz == 0:
        return None
    binary = rep.copy()
    binary.data[:] = 1.0
    made = np.asarray(binary.sum(axis=1)).ravel()
    credibility = np.sqrt(np.minimum(1.0, FULL_WEIGHT_REPORTS / np.maximum(made, 1.0)))
    # each reporter counts once per account, at its credibility (and the report's own weight, e.g. spam)
    weighted = np.asarray(sp.csr_matrix(rep.minimum(1.0)).T @ credibility).ravel()
    reporters = np.asarray(binary.sum(axis=0)).ravel()
    received = np.zeros(graph.n)
    for name in (FOLLOW, INTERACTION, MESSAGE):
        m = graph.layer(name)
        if m.nnz:
            b = m.copy()
            b.data[:] = 1.0
            received += np.asarray(b.sum(axis=0)).ravel()
    share = weighted / (weighted + received + 1.0)
    knee = np.clip(weighted / FULL_REPORTS, 0.0, 1.0) * np.sqrt(np.clip(share / FULL_SHARE, 0.0, 1.0))
    rising = (1.0 - np.power(0.5, weighted)) * share / (share + FULL_SHARE)
    strength = (1.0 - PAST_KNEE) * knee + PAST_KNEE * rising
    return ReportEvidence(strength, weighted, share, reporters, credibility)
