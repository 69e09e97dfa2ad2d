"""Buyer-side evidence: an account that itself reaches out to several suspected sellers.

Only the direction the account chose counts (its follows, messages it sent, its likes and comments):
being followed by a seller is camouflage, not intent. Follows the recommender caused count half,
so ordinary users pulled in by recommendations are not mistaken for buyers, and one contact alone
never makes a buyer. A message to a seller on top of a follow adds to that contact: writing to a
seller is intent that a chance follow is not.

Only targets with seller evidence of their own count as sellers here (own signals, or a lockstep /
dense block): an account that scores high only by proximity (a popular account that sellers follow
as camouflage) is not a seller, and its ordinary followers are not buyers. On platforms where
sellers sit in ordinary interest communities (bastion.synth), ordinary users follow two sellers by
chance, so "several" starts above two full contacts; blocked searches and messages then decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from bastion.graph.container import (
    FOLLOW,
    FOLLOW_REC,
    INTERACTION,
    MESSAGE,
    AccountGraph,
    FloatArray,
    IntArray,
)
from bastion.graph.dense import SUSPECT
from bastion.graph.detector import DetectorResult, Evidence, LocalDetector, register
from bastion.graph.signals import BUYER_WEIGHTS, SELLER_WEIGHTS, noisy_or

#: Signal key for the coordinated-structure score (lockstep) the pipeline hands to this detector.
STRUCTURE = "structure"

REC_FOLLOW_WEIGHT = 0.5
INTERACTION_WEIGHT = 0.5


def _channel(m: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    out = m.copy()
    out.data[:] = weight
    return sp.csr_matrix(out)


@register
class SellerContact(LocalDetector):
    name: ClassVar[str] = "contact"
    reads: ClassVar[frozenset[str]] = frozenset({SUSPECT, STRUCTURE, *BUYER_WEIGHTS, *SELLER_WEIGHTS})

    def __init__(
        self,
        suspect_lo: float = 0.2,
        suspect_hi: float = 0.6,
        single: float = 1.5,
        span: float = 1.25,
        min_share: float = 0.05,
        rec_weight: float = REC_FOLLOW_WEIGHT,
        message_bonus: float = 0.5,
        evidence_lo: float = 0.35,
        evidence_hi: float = 0.7,
    ) -> None:
        self.evidence_lo = evidence_lo
        self.evidence_hi = evidence_hi
        self.min_share = min_share
        self.rec_weight = rec_weight
        self.message_bonus = message_bonus
        self.lo = suspect_lo
        self.hi = suspect_hi
        self.single = single
        self.span = span

    def _reach(self, reach: sp.csr_matrix, s: FloatArray, out_deg: FloatArray) -> FloatArray:
        intent = np.asarray(reach @ s).ravel()
        share = intent / np.maximum(out_deg, 1.0)
        # a busy account following a few sellers among a hundred others is diluted, not cleared
        concentration = np.sqrt(np.clip(share / self.min_share, 0.0, 1.0))
        # "several sellers": one contact is what a recommendation or a chance follow gives anyone
        out: FloatArray = np.clip((intent - self.single) / self.span, 0.0, 1.0) * concentration
        return out

    def run(self, graph: AccountGraph, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        n = graph.n
        suspect = np.array(signals.get(SUSPECT, np.zeros(n)), dtype=np.float64)
        suspect[seeds] = 1.0
        # a soft ramp, not a hard floor: under camouflage a true seller's stage-2 score is often 0.3-0.6, and
        # a buyer following three such sellers must still count as following three sellers; the ramp is
        # gated by the target's own seller evidence (signals or structure), never by proximity alone
        s = np.clip((suspect - self.lo) / (self.hi - self.lo), 0.0, 1.0)
        own_seller = noisy_or(signals, SELLER_WEIGHTS, n)
        structure = np.asarray(signals.get(STRUCTURE, np.zeros(n)), dtype=np.float64)
        if self.evidence_hi > 0:
            ev = 1.0 - (1.0 - own_seller) * (1.0 - structure)
            s = s * np.clip((ev - self.evidence_lo) / (self.evidence_hi - self.evidence_lo), 0.0, 1.0)
            s[seeds] = 1.0
        follow = graph.layer(FOLLOW)
        # one weight per (account, target): the strongest channel it chose; a like on top of a follow is the
        # same contact, so channels are not added up (ordinary fans of one seller stay at one contact)
        chosen = _channel(follow, 1.0) - _channel(graph.layer(FOLLOW_REC), 1.0 - self.rec_weight)
        reach = chosen.maximum(_channel(graph.layer(MESSAGE), 1.0)).maximum(
            _channel(graph.layer(INTERACTION), INTERACTION_WEIGHT)
        )
        if self.message_bonus:
            reach = reach + _channel(graph.layer(MESSAGE), self.message_bonus)
        out_deg = np.asarray(reach.sum(axis=1)).ravel()
        graph_part = self._reach(reach, s, out_deg)
        # second pass: an account whose suspicion is explained by its own reaching out (a buyer: no own seller
        # signal, no lockstep) is not a seller, so its ordinary friends are not buyers for following it
        s = s * (1.0 - 0.8 * graph_part * (1.0 - own_seller) * (1.0 - structure))
        s[seeds] = 1.0
        graph_part = self._reach(reach, s, out_deg)
        own = noisy_or(signals, BUYER_WEIGHTS, n)
        scores = 1.0 - (1.0 - graph_part) * (1.0 - 0.5 * own)
        res = DetectorResult(self.name, scores, parts={"reach": graph_part, "seller_weight": s})
        explain = np.flatnonzero(graph_part >= 0.3)
        since = _follow_since(graph, explain)
        sus = s >= 0.5
        msg = graph.layer(MESSAGE)
        views = graph.layer(INTERACTION)
        for i in explain.tolist():
            f_s = _row(follow, i)[0]
            f_s = f_s[sus[f_s]]
            m_s, m_n = _row(msg, i)
            keep = sus[m_s]
            m_s, m_n = m_s[keep], m_n[keep]
            v_s, v_n = _row(views, i)
            keep = sus[v_s]
            dated = sorted((since.get((i, j), -1), graph.ids[j]) for j in f_s.tolist())
            listed = ", ".join(f"{a} (since {_day(t)})" if t >= 0 else a for t, a in dated[:6])
            more = f" and {len(dated) - 6} more" if len(dated) > 6 else ""
            text = f"follows {len(f_s)} suspected seller account(s): {listed}{more}" if len(f_s) else ""
            if len(m_s):
                text += f"; sent {int(m_n.sum())} message(s) to {len(m_s)} of them"
            if keep.any():
                text += f"; {int(v_n[keep].sum())} interaction(s) (views, likes) with {int(keep.sum())}"
            res.add(
                i,
                Evidence(
                    "graph",
                    text.lstrip("; ") or "reaches out to suspected sellers",
                    {
                        "detector": self.name,
                        "follows": [a for _, a in dated[:20]],
                        "follow_since": [_day(t) if t >= 0 else None for t, _ in dated[:20]],
                        "messaged": [graph.ids[j] for j in m_s[:10].tolist()],
                        "messages": int(m_n.sum()),
                    },
                ),
            )
        return res


def _row(m: sp.csr_matrix, i: int) -> tuple[IntArray, FloatArray]:
    sl = slice(m.indptr[i], m.indptr[i + 1])
    return m.indices[sl].astype(np.int64), m.data[sl]


def _day(t: int) -> str:
    return datetime.fromtimestamp(t, tz=UTC).date().isoformat()


def _follow_since(graph: AccountGraph, who: IntArray) -> dict[tuple[int, int], int]:
    """Earliest follow time per (account, target) for the few accounts being explained."""
    ft = graph.follow_times
    if ft is None or not len(who):
        return {}
    m = np.isin(ft.src, who)
    out: dict[tuple[int, int], int] = {}
    for a, b, t in zip(ft.src[m].tolist(), ft.dst[m].tolist(), ft.t[m].tolist(), strict=True):
        if t > 0 and t < out.get((a, b), 1 << 62):
            out[(a, b)] = t
    return out
