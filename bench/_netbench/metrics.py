"""Detection quality against planted ground truth, each figure next to its target from issue 12."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bastion.graph.plant import (
    BUYER,
    COHORT,
    COMMUNITY,
    CURIOUS,
    DECOY,
    FACILITATOR,
    FLAGGER,
    NETWORK_LABELS,
    ORDINARY,
    PULLED,
    SELLER,
    TARGET,
    Planted,
)

#: Targets of issue 12 ("at least" unless the name says max).
R_PREC, SELLER_RECALL, BUYER_RECALL, ROLE_ACC = 0.95, 0.98, 0.90, 0.95
FLAGGED_RATIO_MAX = 1.5
CLEAN_FLAGGED_MAX, CLEAN_NETWORK_MAX = 0.001, 5
BAND_MIN, BAND_MISS = 20, 0.1
#: A planted network is part of a detected one from this many members on; fewer are strays (a buyer of
#: two networks placed with the one it has more ties to), counted and printed, not called a merge.
MERGE_CORE = 3
ROLE_NAME = {SELLER: "seller", BUYER: "buyer", FACILITATOR: "facilitator"}
#: Kinds of non-members, to show which part of the ordinary platform a detector pulls in.
KIND_NAME = {
    COMMUNITY: "community",
    COHORT: "cohort",
    CURIOUS: "curious",
    DECOY: "decoy",
    PULLED: "pulled",
    FLAGGER: "flagger",
    TARGET: "target",
    ORDINARY: "other",
}


def mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


@dataclass(slots=True)
class Band:
    lo: float
    count: int
    predicted: float
    observed: float

    @property
    def miss(self) -> bool:
        return self.count >= BAND_MIN and abs(self.predicted - self.observed) > BAND_MISS

    @property
    def over(self) -> bool:
        """Off, with scores above the share of members: over-confident, the direction that accuses."""
        return self.miss and self.predicted > self.observed


@dataclass(slots=True)
class Quality:
    planted: int
    r_prec: float
    seller_recall: float
    buyer_recall: float
    role_acc: float
    flagged: int
    sizes: list[int]
    brier: float
    bands: list[Band]
    #: per detected network (largest first): size, planted-network id -> members, purity
    composition: list[tuple[int, dict[int, int], float]] = field(default_factory=list)
    #: per planted network: detected networks holding its members, and the share of it flagged
    splits: dict[int, tuple[int, float]] = field(default_factory=dict)
    ppr_r_prec: float | None = None
    false_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.flagged / max(1, self.planted)

    @property
    def merged(self) -> int:
        """Detected networks holding ``MERGE_CORE`` or more members of each of two planted networks."""
        return sum(sum(v >= MERGE_CORE for v in c.values()) >= 2 for _, c, _ in self.composition)

    @property
    def strays(self) -> int:
        """Members placed in a detected network led by another planted network, outside any merge."""
        return sum(
            sum(v for v in c.values() if v < MERGE_CORE and v != max(c.values()))
            for _, c, _ in self.composition
            if c
        )

    @property
    def separate(self) -> bool:
        """No detected network mixes planted networks, and each planted one leads a detected network."""
        led = {max(c, key=lambda k: c[k]) for _, c, _ in self.composition if c}
        return self.merged == 0 and set(self.splits) <= led

    @property
    def calibrated(self) -> bool:
        return not any(b.miss for b in self.bands)

    @property
    def bands_off(self) -> tuple[int, int]:
        """Bands off, and how many of them over-confident."""
        return sum(b.miss for b in self.bands), sum(b.over for b in self.bands)

    @property
    def overconfident(self) -> bool:
        return any(b.over for b in self.bands)

    def verdicts(self) -> dict[str, bool]:
        return {
            "R-prec": self.r_prec >= R_PREC,
            "sellerR@2x": self.seller_recall >= SELLER_RECALL,
            "buyerR@2x": self.buyer_recall >= BUYER_RECALL,
            "roleAcc": self.role_acc >= ROLE_ACC,
            "flagged/planted": self.ratio <= FLAGGED_RATIO_MAX,
            "separate": self.separate,
            "calibration": self.calibrated,
        }


def members_of(p: Planted, det: Any) -> dict[int, str]:
    """Flagged accounts (the union of network members) -> role."""
    return {p.graph.index[m.account_id]: m.role for net in det.networks for m in net.members}


def quality(p: Planted, det: Any, ppr: np.ndarray | None = None) -> Quality:
    lab, score = p.label, np.asarray(det.score, dtype=np.float64)
    truth = np.isin(lab, NETWORK_LABELS)
    k = int(truth.sum())
    order = np.argsort(-score, kind="stable")
    top2 = order[: 2 * k]
    roles = members_of(p, det)
    judged = [(r, ROLE_NAME[int(lab[i])]) for i, r in roles.items() if truth[i]]
    comp: list[tuple[int, dict[int, int], float]] = []
    holders: dict[int, int] = {}
    for net in sorted(det.networks, key=lambda n: -len(n.members)):
        idx = np.array([p.graph.index[m.account_id] for m in net.members], dtype=np.int64)
        ids, counts = np.unique(p.network[idx][p.network[idx] >= 0], return_counts=True)
        c = {int(a): int(b) for a, b in zip(ids, counts, strict=True)}
        comp.append((len(idx), c, max(c.values(), default=0) / len(idx)))
        for a in c:
            holders[a] = holders.get(a, 0) + 1
    flagged = np.zeros(len(lab), dtype=bool)
    flagged[list(roles)] = True
    splits = {
        int(a): (holders.get(int(a), 0), float(flagged[p.network == a].mean()))
        for a in np.unique(p.network[p.network >= 0])
    }
    return Quality(
        planted=k,
        r_prec=float(truth[order[:k]].mean()) if k else 0.0,
        seller_recall=_share(lab[top2] == SELLER, lab == SELLER),
        buyer_recall=_share(lab[top2] == BUYER, lab == BUYER),
        role_acc=float(np.mean([a == b for a, b in judged])) if judged else 0.0,
        flagged=len(roles),
        sizes=sorted((len(n.members) for n in det.networks), reverse=True),
        brier=float(np.mean((np.clip(score, 0, 1) - truth) ** 2)),
        bands=reliability(score, truth),
        composition=comp,
        splits=splits,
        ppr_r_prec=float(truth[np.argsort(-ppr, kind="stable")[:k]].mean()) if ppr is not None else None,
        false_kinds=false_kinds(p, [i for i in roles if not truth[i]]),
    )


def false_kinds(p: Planted, flagged: list[int]) -> dict[str, int]:
    """Flagged non-members by kind (seeds given wrongly count as "seed")."""
    seeds = set(p.graph.indices(p.seeds).tolist())
    out: dict[str, int] = {}
    for i in flagged:
        kind = "seed" if i in seeds else KIND_NAME.get(int(p.label[i]), "other")
        out[kind] = out.get(kind, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def kinds_text(kinds: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in kinds.items()) or "-"


def _share(hit: np.ndarray, total: np.ndarray) -> float:
    return float(hit.sum() / max(1, total.sum()))


def reliability(score: np.ndarray, truth: np.ndarray) -> list[Band]:
    """Score bands of width 0.1 (the last one includes 1.0): count, mean score, observed member share."""
    band = np.minimum((np.clip(score, 0, 1) * 10).astype(np.int64), 9)
    out = []
    for b in range(10):
        m = band == b
        if m.any():
            out.append(Band(b / 10, int(m.sum()), float(score[m].mean()), float(truth[m].mean())))
    return out


def sizes_text(sizes: list[int], show: int = 6) -> str:
    if not sizes:
        return "-"
    head = ",".join(map(str, sizes[:show]))
    return head + (f",…(+{len(sizes) - show})" if len(sizes) > show else "")


@dataclass(slots=True)
class Clean:
    accounts: int
    flagged: int
    sizes: list[int]
    kinds: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.flagged / max(1, self.accounts)

    @property
    def largest(self) -> int:
        return max(self.sizes, default=0)


def clean_quality(p: Planted, det: Any) -> Clean:
    flagged = list(members_of(p, det))
    sizes = sorted((len(n.members) for n in det.networks), reverse=True)
    return Clean(p.graph.n, len(flagged), sizes, false_kinds(p, flagged))


def fingerprint(det: Any) -> tuple[bytes, tuple[Any, ...]]:
    """Everything a reviewer sees of a run: every score, every network with members, roles and scores."""
    nets = tuple(
        (
            n.network_id,
            round(float(n.score), 12),
            tuple((m.account_id, m.role, float(m.score)) for m in n.members),
        )
        for n in det.networks
    )
    return np.asarray(det.score, dtype=np.float64).tobytes(), nets
