"""Flagged accounts into networks, each member with its role, probability and the evidence behind both.

A network is a group of flagged accounts tied by contacts they chose (follows, messages, likes), found by
Leiden (CPM) on the flagged subgraph only: groups with no tie between them stay apart, however alike
their signals. A group needs at least ``min_network`` members, and at least one of them must stand on
evidence of its own that speaks of this harm (a lexicon word, a known hash, reports for another reason
than spam, a seed): a group held together only by association is not a network, it is a neighbourhood;
and one whose own evidence is only coordination and profile (a link domain they share, new accounts,
stories, lockstep follows) is a ring of some kind, a spam ring as often as anything (an outside check's
25 accounts sharing a promo domain, with spam reports, were read as a network of sellers), not a network
of this harm. So is one where those that speak of the harm are few among many that stand on coordination
and profile alone (``PROFILE_PER_HARM_MAX``): a class of new students who link their university's site,
a few of them using a slang word on the lexicon, is a class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from bastion.core.signals import lookup
from bastion.graph.association import Association
from bastion.graph.cluster import cluster_suspects
from bastion.graph.container import AccountGraph, BoolArray, FloatArray, IntArray
from bastion.graph.detector import Evidence
from bastion.graph.exposure import Exposure, exposures
from bastion.graph.model import CALIBRATION, LOCKSTEP, REACH, TIE, contributions, explain
from bastion.graph.network import Member, Network
from bastion.graph.reports import filed_in_full, of_harm
from bastion.graph.roles import assign_role, role_sentence
from bastion.graph.signals import BLOCKED_SEARCH, REPORT, TERM_MATCH, describe

if TYPE_CHECKING:
    from bastion.graph.pipeline import DetectConfig, Detection

#: Own evidence (log-odds, weighted) a network needs in at least one member, and of it, evidence that
#: speaks of this harm (``_speaks_of_harm``: a lexicon match, a known hash, reports, a seed) in at least
#: one member; of an account's reports, only the share that gave another reason than spam counts there
#: (``reports.of_harm``). A seller network's weak lexicon matches with a few reports reach it.
OWN_EVIDENCE_MIN, HARM_EVIDENCE_MIN = 1.5, 1.0
#: For each member that speaks of this harm (that much of it, or as much of a buyer's: blocked searches),
#: at most this many members may stand on own evidence of coordination and profile alone. Past it, the
#: group is a ring of another kind in which a few use a word (new students who link their university, 3
#: of 23 and 6 of 185 speaking of harm; a spam ring with one stray match, 1 of 34); the planted networks of
#: the shared graphs hold one for every two at the fewest (one for four before buyers' searches counted).
PROFILE_PER_HARM_MAX = 4
#: A member that filed a report (this many or more) for another reason than spam, as a reporter reviewers
#: have not found unreliable, quotes the lexicon's words and searches them to warn and to find what to
#: report, not to advertise or buy: its words and searches do not speak of this harm for the group (an
#: outside check's awareness campaign of 40 parents, teachers and a charity, who quoted two code words in
#: warnings, linked the charity's site and reported accounts, was one network of 40 sellers). Its score
#: stands, and reports on it, a known hash or a seed still speak.
WARNER_REPORTS_MIN = 1


def build_networks(
    graph: AccountGraph, det: Detection, contacts: sp.csr_matrix, seeds: IntArray, cfg: DetectConfig
) -> list[Network]:
    flagged = np.flatnonzero((det.score >= cfg.threshold) & ~det.held)
    groups = cluster_suspects(
        contacts, flagged, resolution=cfg.resolution, min_size=cfg.min_network, seed=cfg.seed
    )
    evidence = _evidence(det, _warners(graph))
    groups = [g for g in groups if _stands(g, *evidence)]
    seedset = set(seeds.tolist())
    weights = det.weights.to_json()  # one per run, shared by every member's dossier, as each rate's words
    rates = {kind: rate.words() for kind, rate in det.rates.items()}
    seen = exposures(graph, groups)
    nets = [_network(graph, g, det, seedset, weights, e, rates) for g, e in zip(groups, seen, strict=True)]
    nets.sort(key=lambda n: (-n.score, n.members[0].account_id))
    return [
        Network(f"{graph.platform}-net-{k}", n.score, n.members, n.exposure, n.detectors)
        for k, n in enumerate(nets, start=1)
    ]


def _evidence(det: Detection, warners: BoolArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per account: its own evidence as a seller, the part of it that speaks of this harm, and what its
    searches say as a buyer's (log-odds in favour, weighted); a warner's words and searches say nothing
    of the harm (``WARNER_REPORTS_MIN``)."""
    own = _own_evidence(det, det.features, det.names.seller, lambda k: True)
    harmful = dict(of_harm(det.features, det.reports))
    for k in (TERM_MATCH, BLOCKED_SEARCH):
        if k in harmful:
            harmful[k] = np.where(warners, 0.0, harmful[k])
    harm = _own_evidence(det, harmful, det.names.seller, _speaks_of_harm)
    sought = _own_evidence(det, harmful, det.names.buyer, _speaks_of_harm)
    return own, harm, sought


def _warners(graph: AccountGraph) -> BoolArray:
    """Accounts that filed ``WARNER_REPORTS_MIN`` reports or more that count in full (not for spam, from a
    reporter whose reports reviewers have not found wanting: ``reports.in_full``)."""
    return np.asarray(filed_in_full(graph) >= WARNER_REPORTS_MIN, dtype=bool)


def _stands(group: IntArray, own: FloatArray, harm: FloatArray, sought: FloatArray) -> bool:
    """Whether a group is a network of this harm: some own evidence, a member whose own evidence speaks of
    the harm, and not drowned among members that stand on coordination and profile alone."""
    if own[group].max() < OWN_EVIDENCE_MIN or harm[group].max() < HARM_EVIDENCE_MIN:
        return False
    speaks = (harm[group] >= HARM_EVIDENCE_MIN) | (sought[group] >= HARM_EVIDENCE_MIN)
    profile = (own[group] >= OWN_EVIDENCE_MIN) & (harm[group] < HARM_EVIDENCE_MIN)
    return int((profile & ~speaks).sum()) <= PROFILE_PER_HARM_MAX * int(speaks.sum())


def _own_evidence(
    det: Detection, features: Mapping[str, FloatArray], names: tuple[str, ...], kinds: Callable[[str], bool]
) -> FloatArray:
    """Per account, its own evidence (log-odds in favour, weighted) of the kinds of ``names`` that ``kinds``
    keeps."""
    total = np.zeros(len(det.score))
    for k in names:
        if k in features and kinds(k):
            total += det.weights[k] * np.maximum(features[k], 0.0)
    return total


def _speaks_of_harm(kind: str) -> bool:
    """Whether a kind of own evidence can stand for a network: not coordination, a profile trait or
    lockstep, which rings of every kind show."""
    k = lookup(kind)
    return kind != LOCKSTEP and not (k.coordination or k.profile)


def _network(
    graph: AccountGraph,
    group: IntArray,
    det: Detection,
    seeds: set[int],
    weights: dict[str, Any],
    exposure: Exposure,
    rates: dict[str, str],
) -> Network:
    order = sorted(group.tolist(), key=lambda j: (-det.score[j], graph.ids[j]))
    parts = contributions(det.features, det.weights, np.asarray(order, dtype=np.int64))
    members = [
        member(graph, i, det, i in seeds, p, weights, rates) for i, p in zip(order, parts, strict=True)
    ]
    top = np.sort(det.score[group])[::-1]
    return Network(
        network_id="",
        score=float(top[: max(3, len(top) // 2)].mean()),
        members=tuple(members),
        exposure=exposure,
        detectors=tuple(det.results),
    )


def member(
    graph: AccountGraph,
    i: int,
    det: Detection,
    is_seed: bool,
    parts: list[tuple[str, float]],
    weights: dict[str, Any],
    rates: dict[str, str] | None = None,
    flagged: bool = True,
) -> Member:
    """One account's entry: role, calibrated probability, and every fact that moved it (``parts``: its
    weighted evidence, from ``contributions``; ``weights``: the run's weights as JSON; ``rates``: each base
    rate's words, where the caller has them; ``flagged``: whether it is a member, or only explained)."""
    role, role_score = assign_role(i, det.roles)
    score = float(det.score[i])
    shift = float(det.calibration.shift[i]) if det.calibration is not None else 0.0
    ev: list[Evidence] = [
        Evidence("role", role_sentence(role, i, det.roles, flagged), {"role_score": round(role_score, 4)}),
        Evidence(
            "score",
            explain(det.prior, score, parts, det.weights, shift),
            {
                "probability": round(score, 6),
                "prior": round(det.prior, 6),
                "log_odds": {k: round(v, 3) for k, v in [*parts, (CALIBRATION, shift)] if v},
                "weights": weights,
            },
        ),
    ]
    if is_seed:
        ev.append(Evidence("seed", "given as a seed account (an assertion: one piece of evidence)", {}))
    cleared = graph.cleared.of.get(i)
    if cleared is not None:
        held = bool(det.held[i])
        said = graph.cleared.words(i, det.strong)
        ev.append(
            Evidence(
                "cleared",
                f"{said}{': held out of networks' if held else ''}",
                {"case": cleared.case, "held": held},
            )
        )
    for kind, rate in det.rates.items():
        x = float(det.features[kind][i])
        if x > 0:
            text = describe(kind, float(det.signals[kind][i]))
            if kind == REPORT and det.reports is not None:
                text = det.reports.words(i)
            said = rates[kind] if rates is not None else rate.words()
            ev.append(Evidence(kind, f"{text}; {said}", {"log_odds": round(x, 3), "rate": rate.rate}))
    for name, what in ((TIE, "friends (contacts both ways) with"), (REACH, "chose to contact")):
        a: Association = det.association[name]
        if a.count[i] >= 1.0:
            ev.append(
                Evidence(
                    "graph",
                    a.words(i, what),
                    {"detector": name, "strong": round(float(a.count[i]), 3), "contacts": float(a.total[i])},
                )
            )
    if det.cells is not None and det.cells.llr[i] > 0:
        g = int(det.cells.group[i])
        ev.append(
            Evidence(
                "graph",
                det.cells.words(i),
                {
                    "detector": "cell",
                    "cell_size": det.cells.sizes[g],
                    "log_odds": round(float(det.cells.llr[i]), 3),
                },
            )
        )
    elif det.cells is not None and det.cells.unread is not None and det.cells.unread[i] > 0:
        ev.append(Evidence("graph", det.cells.unread_words(i), {"detector": "cell", "counted": False}))
    for r in det.results.values():
        ev += r.evidence.get(i, [])
    return Member(graph.ids[i], graph.platform, role, score, tuple(ev))
