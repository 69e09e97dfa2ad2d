"""From graph, seeds and signals to calibrated member probabilities and networks (the local engine's run).

Evidence flows one way, so suspicion cannot feed itself: own signals and seeds (against base rates) and
lockstep (against chance) are each account's own evidence; accounts strong by their own evidence alone
(several kinds of it, see ``association.py``) make the ``tie`` feature of the accounts they contact and the
``reach`` feature of the accounts that contact them; nothing reached through association feeds association
again, and a friendship between two accounts that show nothing but traits friends share (a hobby's word,
being new) counts for neither. Tight groups around the strong accounts whose members together carry
several kinds of own signal are cells (``cells.py``): membership is evidence of its own, read once. It
feeds one thing, and nothing feeds back: what its cell adds to a member counts toward the ``reach`` of
the accounts outside the cell that turn to it (a buyer of silent sellers turns to accounts whose own
signals are weak and whose cell's are not; a cell of its friends counts once); ``reach`` feeds nothing.
The weighted features (``model.Weights``), read in views and re-valued on this platform by EM
(``calibrate.py``), plus the platform's estimated prior, give the member probability.
Networks are the connected groups of flagged accounts, with their roles and evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from bastion.core.signals import lookup
from bastion.graph import dense, lockstep  # noqa: F401  (register detectors)
from bastion.graph.alike import (
    SameItem,
    shows_only_traits,
    within_circles,
    without_alike_friendships,
)
from bastion.graph.association import (
    ONE_KIND_CAP,
    REPORTED_WEIGHT,
    Association,
    counted_once,
    diverse,
    reach_out,
    strong,
    tie_in,
)
from bastion.graph.baserate import BaseRate, base_rates, own_evidence
from bastion.graph.calibrate import EDGES, Calibration, calibrate
from bastion.graph.cells import Cells, find_cells
from bastion.graph.chance import chance_per_bin
from bastion.graph.contacts import chosen_contacts, reports_made, undocumented_share
from bastion.graph.container import AccountGraph, BoolArray, FloatArray, IntArray
from bastion.graph.dense import SUSPECT
from bastion.graph.detector import Detector, DetectorResult, available, create
from bastion.graph.initiative import answers, chose_in_group, followed_back
from bastion.graph.model import (
    CELL,
    DENSE,
    DENSE_LLR,
    LOCKSTEP,
    PRIOR_START,
    REACH,
    SEED,
    SEED_LLR,
    TIE,
    FeatureSet,
    Weights,
    combine,
    estimate_prior,
    lockstep_llr,
    logit,
    sigmoid,
)
from bastion.graph.netbuild import build_networks
from bastion.graph.reports import ReportEvidence, of_harm, report_evidence
from bastion.graph.roles import RoleScores, role_scores
from bastion.graph.signals import REPORT, all_signals
from bastion.graph.views import ASSOCIATED, views


@dataclass(frozen=True, slots=True)
class DetectConfig:
    threshold: float = 0.5
    min_network: int = 3
    #: Leiden CPM resolution inside a connected group of flagged accounts (higher splits more)
    resolution: float = 0.02
    engine: str = "local"
    #: seeds every randomised step (Leiden); recorded with each run
    seed: int = 7
    prior_start: float = PRIOR_START


@dataclass(slots=True)
class Detection:
    """Everything one run learned; ``score`` is the member probability, ``networks`` are the cases."""

    score: FloatArray
    seller: FloatArray
    buyer: FloatArray
    results: dict[str, DetectorResult]
    roles: RoleScores
    networks: list[Any]
    #: accounts held out of networks: cleared by review, nothing new since (``clearances.py``)
    held: BoolArray
    #: accounts strong on evidence of their own (``association.strong``), the neighbours that count
    strong: BoolArray
    features: dict[str, FloatArray] = field(default_factory=dict)
    weights: Weights = field(default_factory=Weights)
    prior: float = PRIOR_START
    rates: dict[str, BaseRate] = field(default_factory=dict)
    reports: ReportEvidence | None = None
    association: dict[str, Association] = field(default_factory=dict)
    signals: dict[str, FloatArray] = field(default_factory=dict)
    names: FeatureSet = field(default_factory=FeatureSet)
    calibration: Calibration | None = None
    cells: Cells | None = None


def detect(
    graph: AccountGraph,
    seeds: Iterable[str] = (),
    config: DetectConfig | None = None,
    weights: Weights | None = None,
) -> Detection:
    cfg = config or DetectConfig()
    w = weights or Weights()
    seed_idx = graph.indices(seeds)
    # one helper thread for the steps that need nothing the run computes after them (lockstep, the chance
    # draws): each runs beside this one's steps and is waited for where its result is read
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bastion-detect") as pool:
        return _detect(graph, seed_idx, cfg, w, pool)


def _detect(
    graph: AccountGraph, seed_idx: IntArray, cfg: DetectConfig, w: Weights, pool: ThreadPoolExecutor
) -> Detection:
    n = graph.n
    # lockstep reads the follow times alone (no signal): it runs beside the signals, reports and contacts
    # (its sorts, counts and sparse products release the GIL) and is waited for before own evidence is summed
    synchrony = pool.submit(_detector(LOCKSTEP, cfg.engine).run, graph, seed_idx, {})
    sig = all_signals(graph)
    reports = report_evidence(graph)
    if reports is not None:
        sig[REPORT] = reports.strength
    rates = base_rates(sig, n)
    feats: dict[str, FloatArray] = dict(own_evidence(sig, rates, n))
    names = FeatureSet.of(rates)
    is_seed = np.zeros(n)
    is_seed[seed_idx] = 1.0
    feats[SEED] = SEED_LLR * is_seed
    contacts = chosen_contacts(graph)
    results: dict[str, DetectorResult] = {LOCKSTEP: synchrony.result()}
    feats[LOCKSTEP] = lockstep_llr(results[LOCKSTEP].parts["partners"])

    b0 = logit(cfg.prior_start)
    own_side = combine(feats, w, names.seller)
    # what makes an account a strong neighbour: reports for spam say nothing of this harm
    harm = of_harm(feats, reports)
    own_diverse = diverse({k: w[k] * harm[k] for k in names.seller})
    # an account reviewers cleared, with nothing new since, keeps its score but is no one's strong
    # neighbour and in no network (clearances.py)
    held = graph.cleared.held(strong(own_diverse) > 0.0)
    own_diverse = np.where(held, 0.0, own_diverse)
    # a kind weighed at zero (as a verdict fit may give) says nothing, in cells and circles too
    carried = {
        k: sig[k] >= rates[k].present
        for k in (*names.seller, *names.buyer)
        if k in rates and k in sig and w[k] > 0
    }
    present = {k: v & ~held for k, v in carried.items() if k in names.seller}
    is_strong = strong(own_diverse) > 0.0
    # an account that only followed back the sellers who followed it (a popular account they follow as
    # camouflage) is none of their network's insiders (cells.chosen_by_insiders)
    found = find_cells(
        contacts, present, is_strong, seed_idx, cfg.seed, graph.shared, partial(followed_back, graph)
    )
    # a cell is evidence for a member that chose a cell-mate itself: a user the sellers follow and write
    # to, following some back, is drawn into their group by their choices (initiative.chose_in_group)
    # (not one the sellers drew in too: two users who follow back everyone and know each other)
    peers = chose_in_group(graph, found.group)
    # and as far as the account did not report its group-mates (a flagger documents a network it follows)
    reported = reports_made(graph)
    cells = found.read_for(peers, undocumented_share(contacts, reported, found.group, REPORTED_WEIGHT))
    feats[CELL] = cells.llr
    coordination = {k: v for k, v in present.items() if lookup(k).coordination}
    # a fellow holder of the link domain an account holds is read, for their tie, without it: holding it
    # is each one's own evidence already (a club whose members link its site is not a network for it)
    apart = np.where(
        held, 0.0, diverse({k: w[k] * harm[k] for k in names.seller if not lookup(k).coordination})
    )
    same = SameItem.of(contacts, coordination, graph.shared, apart)
    counted = within_circles(contacts, cells.group, cells.circle, cells.trust, same.within(cells.circle))
    alike = shows_only_traits(carried, n, seed_idx)
    counted = without_alike_friendships(counted, alike, is_strong)
    cell_gain = np.clip(w[CELL] * cells.llr, 0.0, ONE_KIND_CAP)
    # a contact that answered a strong account's was the strong account's choice, not this one's
    answered = answers(graph, strong(own_diverse + cell_gain) > 0, cells.group, peers)
    # evidence of its own that friends do not share (a report, a known hash, a link domain, a search, a
    # seed): for such an account one strong account it chose to contact corroborates, where otherwise only
    # several count (not one friend: it may be strong for the traits they share, see association.py)
    corroborated = ~alike
    # and a strong friend that only answered this one (followed it back, replied to it) was chosen by it:
    # inside all the same, but on the other side (a buyer that writes to sellers who answer): roles only.
    # Inside a tight group too: a buyer there followed its sellers first, as a peer does, and which of the
    # two answered the other is what tells the side (an outside check: 93 of 128 roles right, now 103)
    answered_by = answers(graph, np.ones(n, dtype=bool), by=is_strong)
    tie = tie_in(contacts, own_diverse, counted, answered, same, reported, answered_by)
    feats[TIE] = tie.llr
    seller_side = own_side + w[TIE] * tie.llr
    reach_both = reach_out(
        contacts,
        own_diverse,
        counted,
        groups=(cells.group, cell_gain),
        reported=reported,
        answered=answered,
        corroborated=corroborated,
        same=same,
    )
    reach = counted_once(tie, reach_both, counted)
    feats[REACH] = reach.llr
    # what chance alone gives the association view, each account at its own contacts: the null its bins
    # are read against (chance.py); tie and reach as the view sums them. Drawn in the pool's thread while
    # this one reads the dense blocks and the prior (the draws' numpy work releases the GIL)
    drawn_from = [(tie, w[TIE], None), (reach_both, w[REACH], corroborated)]
    null = pool.submit(chance_per_bin, drawn_from, EDGES, cfg.seed)
    results[DENSE] = _detector(DENSE, cfg.engine).run(
        graph, seed_idx, {**sig, SUSPECT: sigmoid(b0 + seller_side)}
    )
    feats[DENSE] = DENSE_LLR * results[DENSE].scores
    seller_side = seller_side + w[DENSE] * feats[DENSE]
    buyer_side = combine(feats, w, (*names.buyer, REACH))

    evidence = combine(feats, w, names.all)
    cal = calibrate(
        views(feats, w, names),
        estimate_prior(evidence, cfg.prior_start),
        cfg.prior_start,
        chance={ASSOCIATED: null.result},
    )
    null.result()  # drawn where calibration had no use for it too: a fault in the draws is not hidden
    prior = cal.prior
    base = logit(prior)
    score = sigmoid(base + cal.evidence)
    seller = sigmoid(base + seller_side)
    buyer = sigmoid(base + buyer_side)
    positive = {k: np.maximum(v, 0.0) for k, v in feats.items()}
    # association that runs both ways (strong members contact it and it contacts them) says it is inside
    # the network more than on which side: half of the two-way part leans a role, all of the one-way excess
    # (the tie read as its side: without the strong friends that only answered it, who say it is inside)
    side = w[TIE] * np.maximum(tie.llr if tie.side is None else tie.side, 0.0)
    mutual = 0.5 * np.minimum(side, w[REACH] * np.maximum(reach_both.llr, 0.0))
    # a cell says an account is inside a network, its own traits say on which side: the cell's evidence is
    # its group-mates' signals, and a member that shows no seller's trait of its own (no signal, not the
    # profile of a new stories-only account) is more often their customer, drawn into the group by
    # following several of them, than their peer; its cell leans no role
    shows_seller = _carries_any(present, n)
    in_cell = w[CELL] * positive[CELL] * shows_seller
    roles = role_scores(
        graph,
        sig,
        score,
        combine(positive, w, (*names.seller, DENSE)) + side + in_cell - w[SEED] * positive[SEED] - mutual,
        combine(positive, w, names.buyer),
        results,
        cells.group,
    )
    det = Detection(
        score,
        seller,
        buyer,
        results,
        roles,
        networks=[],
        held=held,
        strong=is_strong,
        features=feats,
        weights=w,
        prior=prior,
        rates=rates,
        reports=reports,
        association={TIE: tie, REACH: reach},
        signals=sig,
        names=names,
        calibration=cal,
        cells=cells,
    )
    det.networks = build_networks(graph, det, contacts, seed_idx, cfg)
    return det


def _carries_any(present: Mapping[str, BoolArray], n: int) -> BoolArray:
    """Accounts that carry at least one of the kinds in ``present`` (per kind, who carries it)."""
    return np.asarray(np.logical_or.reduce([np.zeros(n, dtype=bool), *present.values()]), dtype=bool)


def _detector(name: str, engine: str) -> Detector[Any]:
    """The engine's own detector, or the local one (engines only reimplement what needs the whole graph)."""
    if engine == "spark" and name not in available("spark"):
        from bastion.graph import spark  # noqa: F401  (registers the Spark detectors)
    return create(name, engine if name in available(engine) else "local")
