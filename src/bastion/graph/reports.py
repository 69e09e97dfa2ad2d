"""Reports as evidence: the share of an account's incoming attention that is reports, by credible reporters.

A report count alone favours popular accounts (more viewers, more reports) and bad-faith campaigns (one
person reporting fifty strangers). So each reporter's weight falls with how many accounts they reported
(the square root: three reports are a witness, three hundred a campaign), reports that reviewers found
violating left out of that count (a trusted flagger whose reports are borne out is no campaign), and so are
reports that another reporter of the same account made independently (not an echo, below): a grudge
reporter's fifty strangers were reported by no one else, while a trading platform's active members who
each flag the scammers they met are corroborated by each other (on a real signed trust network, counting
those flaggers as campaigns put the accounts they flagged below the plain share of negative ratings).
Where reporting is routine (a trading platform whose members rate their counterparties: at least
``ROUTINE_REPORTERS`` of the accounts report someone, and ``TIMES_PLATFORM_SHARE`` times the reports' share
of all attention is past ``FULL_SHARE``), reporting many accounts is no sign of a campaign: a member who
rated a hundred counterparties negatively is an active trader, and the accounts it alone flagged are mostly
newcomers that had no other counterparty to flag them. Discounting it there put them below the plain share
of negative ratings against the platforms' own heavy raters (Bitcoin OTC: AUC 0.78 against 0.91). There,
echoes, reviewers' verdicts and leads' marks still discount reporters. The share of accounts that report is
what decides, not the reports' volume alone: a campaign's few reporters cannot make reporting look routine,
however much they report, and a platform that sends little attention (a chat server's invites) does not
look routine for a few reporters; elsewhere (a social platform) a mass reporter is discounted as above. The
account's weighted report count is read against everything else it received (follows, likes, comments,
messages): a small account with three credible reports stands out, a celebrity with three among ten
thousand does not.
Reporters who report together are one voice, not many: a brigade of ten that reports the same thirty
people (a campaign to have a community taken down) would otherwise make each of them look reported by ten
independent witnesses. A reporter's report on an account is divided among the other reporters of that
account who share at least ``ECHO_SHARED`` reports with it, by the share of its other reports they share
(``echoes``): a brigade counts about once, two users who met the same two sellers count in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from bastion.graph.contacts import positions
from bastion.graph.container import (
    FOLLOW,
    INTERACTION,
    MESSAGE,
    REPORT,
    AccountGraph,
    BoolArray,
    FloatArray,
    IntArray,
)

#: Reports by one reporter that count in full; above this each weighs sqrt(FULL / reports made).
FULL_WEIGHT_REPORTS = 3.0
#: Weighted reports that make full strength, and the report share at which concentration is full: at
#: least ``FULL_SHARE``, and ``TIMES_PLATFORM_SHARE`` times the platform's own report share (on a real
#: trading platform, Bitcoin Alpha, 6% of ratings are negative: at a fixed 5%, an honest trader's routine
#: disputes made as full a concentration as a scammer's mostly negative ratings). Where that raised the
#: share, the count falls to the reports that full concentration takes at the account's volume, at least
#: one: one of three ratings is all the witness a newcomer with three counterparties can have, and at two a
#: trader's twelve disputes among ninety outranked it, against the plain share and the platform's raters.
FULL_REPORTS = 2.0
FULL_SHARE = 0.05
TIMES_PLATFORM_SHARE = 3.0
#: The part of the strength that keeps rising past those knees, with the share alone once the count is full
#: (``rising``): where routine disputes take many accounts past them (a trading platform), the accounts
#: whose attention is most reports must still rank above the others, whatever their count (while it still
#: rose with the count, a trader with fourteen reports among thirty ratings outranked a newcomer with two
#: of two, against the plain share and Bitcoin OTC's heavy raters), and a graded kind is read by that order
#: (``baserate._graded``); elsewhere it moves a strength by at most this much.
PAST_KNEE = 0.1
#: A report whose reason mentions spam says little about this harm (``load.py`` weighs it so); others count
#: in full.
SPAM_REPORT_WEIGHT = 0.25
#: Reporting is routine where at least this share of the accounts report someone (a trading platform's
#: members rating their counterparties: 11% of Bitcoin Alpha's accounts, 13% of OTC's; 1-4% in every planted
#: social world, the demo's platform 0.9%) and reports are a routine share of attention (``FULL_SHARE``).
ROUTINE_REPORTERS = 0.1
#: Two reporters echo each other when they reported at least this many of the same accounts.
ECHO_SHARED = 4
#: Echoes are read only among reporters with at most ``ECHO_MADE_MAX`` reports (mass reporters already
#: weigh little) and through accounts with at most ``ECHO_REPORTERS_MAX`` reporters, so no step grows with
#: the square of a much-reported account's reporters.
ECHO_MADE_MAX = 500
ECHO_REPORTERS_MAX = 200


@dataclass(frozen=True, slots=True)
class ReportEvidence:
    strength: FloatArray
    weighted: FloatArray
    share: FloatArray
    reporters: FloatArray
    credibility: FloatArray
    #: per account: its reporters who echo others among its reporters (report together with them)
    echoed: FloatArray
    #: per account: its reporters whose reports count in part (``in_full``: for spam, or a poor record)
    for_spam: FloatArray
    #: per account: the share of its weighted reports that gave another reason than spam, the part of
    #: ``strength`` that speaks of this harm (:func:`of_harm`)
    harm_share: FloatArray
    #: reports are routine here (a trading platform): reporting many accounts is not discounted
    routine: bool = False

    def words(self, i: int) -> str:
        together = (
            f" ({int(self.echoed[i])} of them report many of the same accounts, so count about once)"
            if self.echoed[i]
            else ""
        )
        discounted = (
            "reporters who report together (reports are routine here: reporting many accounts is not "
            "discounted)"
            if self.routine
            else "mass reporters and reporters who report together"
        )
        return (
            f"reported by {int(self.reporters[i])} account(s){together}{self._spam_words(i)}, "
            f"{self.weighted[i]:.1f} after discounting {discounted}; {100 * self.share[i]:.1f}% of what it "
            "received is reports"
        )

    def _spam_words(self, i: int) -> str:
        spam = int(self.for_spam[i])
        if not spam:
            return ""
        who = "all of them" if spam == int(self.reporters[i]) else f"{spam} of them"
        # both weigh a report below 1, and the weight alone does not tell which (an outside check's child
        # safety reports, from reporters of an account reviewers had cleared, were called spam)
        return (
            f", {who} counted in part (reports for spam weigh {SPAM_REPORT_WEIGHT:g}, and a reporter whose "
            "reports reviewers rejected more often than they bore out less): not reports of this harm"
        )


def report_evidence(graph: AccountGraph) -> ReportEvidence | None:
    """Strength in [0, 1] per account from the report layer, or None when the platform sent no reports."""
    rep = graph.layer(REPORT)
    if rep.nnz == 0:
        return None
    binary = rep.copy()
    binary.data[:] = 1.0
    made = np.asarray(binary.sum(axis=1)).ravel()
    reporters = np.asarray(binary.sum(axis=0)).ravel()
    received = _received(graph)
    # whether reporting is part of ordinary use here: many of the accounts report, and reports (each reporter
    # once per account, unweighted) are a routine share of what accounts receive
    common = float(np.mean(made > 0)) >= ROUTINE_REPORTERS
    routine = (
        common
        and TIMES_PLATFORM_SHARE * reporters.sum() / max(reporters.sum() + received.sum(), 1.0) > FULL_SHARE
    )
    # each reporter counts once per account, at its credibility (and the report's own weight, e.g. spam),
    # shared with the reporters of that account it echoes
    each = sp.coo_matrix(rep.minimum(1.0))
    echo = echoes(each.row, each.col, made, reporters)
    credibility = np.ones(graph.n) if routine else _mass_discount(graph, each, made, reporters, echo)
    per = each.data * credibility[each.row] / (1.0 + echo)
    weighted = np.bincount(each.col, weights=per, minlength=graph.n).astype(np.float64)
    echoed = np.bincount(each.col, weights=echo > 0, minlength=graph.n).astype(np.float64)
    share = weighted / (weighted + received + 1.0)
    # concentration is full at ``FULL_SHARE``, or at ``TIMES_PLATFORM_SHARE`` this platform's own share of
    # attention that is reports, where routine disputes make that much of it common
    platform = float(weighted.sum() / max(weighted.sum() + received.sum(), 1.0))
    full_share = max(FULL_SHARE, TIMES_PLATFORM_SHARE * platform)
    # where reports are routine, the count that makes full strength is what full concentration would be at
    # the account's volume: a newcomer with three counterparties has one witness to give, not two
    full_count = np.full(graph.n, FULL_REPORTS)
    if full_share > FULL_SHARE:
        full_count = np.clip(full_share * (weighted + received), 1.0, FULL_REPORTS)
    count = np.clip(weighted / full_count, 0.0, 1.0)
    knee = count * np.sqrt(np.clip(share / full_share, 0.0, 1.0))
    rising = count * share / (share + full_share)
    strength = (1.0 - PAST_KNEE) * knee + PAST_KNEE * rising
    full = in_full(each.data)
    spam = np.bincount(each.col, weights=~full, minlength=graph.n).astype(np.float64)
    not_spam = np.bincount(each.col, weights=per * full, minlength=graph.n)
    harm_share = np.divide(not_spam, weighted, out=np.zeros(graph.n), where=weighted > 0)
    return ReportEvidence(
        strength, weighted, share, reporters, credibility, echoed, spam, harm_share, routine
    )


def in_full(weights: FloatArray) -> BoolArray:
    """Which report weights count in full: not for spam, from a reporter reviewers have not found wanting
    (``load.py`` weighs both below 1, and nothing else)."""
    return np.asarray(weights, dtype=np.float64) >= 1.0


def filed_in_full(graph: AccountGraph) -> FloatArray:
    """Per account, the reports it filed that count in full (:func:`in_full`)."""
    rep = sp.coo_matrix(graph.layer(REPORT))
    return np.bincount(rep.row[in_full(rep.data)], minlength=graph.n).astype(np.float64)


def of_harm(features: Mapping[str, FloatArray], reports: ReportEvidence | None) -> Mapping[str, FloatArray]:
    """``features`` with the report kind read at the share of each account's reports that gave another
    reason than spam: the evidence that speaks of this harm, which alone makes a neighbour strong
    (``pipeline``) and a network stand (``netbuild``); reports for spam make neither (a spam ring's members
    were strong for them, and every friend of the ring friends with a dozen strong)."""
    if reports is None or REPORT not in features:
        return features
    return {**features, REPORT: features[REPORT] * reports.harm_share}


def _received(graph: AccountGraph) -> FloatArray:
    """Per account, the accounts that follow it, interacted with it or wrote to it (each once a channel)."""
    received = np.zeros(graph.n)
    for name in (FOLLOW, INTERACTION, MESSAGE):  # one stored entry per pair: its column's count
        received += np.bincount(graph.layer(name).indices, minlength=graph.n)
    return received


def _mass_discount(
    graph: AccountGraph, each: sp.coo_matrix, made: FloatArray, reporters: FloatArray, echo: FloatArray
) -> FloatArray:
    """Per reporter, the weight of each of its reports where reports are rare: in full up to
    ``FULL_WEIGHT_REPORTS`` reports no one else corroborates and reviewers did not bear out, then the square
    root of that many over them."""
    confirmed = graph.attrs.reports_confirmed
    unproven = made - confirmed if len(confirmed) == graph.n else made
    # a report is corroborated where the account's other reporters, less those who echo this one, make at
    # least one independent witness; only the others count toward mass reporting
    alone = reporters[each.col] - 1.0 - echo < 1.0
    unproven = np.minimum(unproven, np.bincount(each.row, weights=alone, minlength=graph.n))
    weight = np.sqrt(np.minimum(1.0, FULL_WEIGHT_REPORTS / np.maximum(unproven, 1.0)))
    return np.asarray(weight, dtype=np.float64)


def echoes(rows: IntArray, cols: IntArray, made: FloatArray, reporters: FloatArray) -> FloatArray:
    """Per report (rows[k] reported cols[k]): how far its reporter is echoed by the account's other
    reporters, the sum over those sharing ``ECHO_SHARED`` or more reports with it of the share of its other
    reports they share (a brigade member of ten: about nine). Works on the reports alone (their reporters
    and accounts numbered apart), so its cost follows the reports, not the platform."""
    out = np.zeros(len(rows))
    mine = made[rows]
    keep = (mine >= ECHO_SHARED) & (mine <= ECHO_MADE_MAX) & (reporters[cols] <= ECHO_REPORTERS_MAX)
    if not keep.any():
        return out
    who, r = np.unique(rows[keep], return_inverse=True)
    _, t = np.unique(cols[keep], return_inverse=True)
    part = sp.csr_matrix((np.ones(len(r)), (r, t)), shape=(len(who), int(t.max()) + 1))
    shared = sp.coo_matrix(part @ part.T)
    pair = (shared.row != shared.col) & (shared.data >= ECHO_SHARED)
    a, b = shared.row[pair], shared.col[pair]
    sim = (shared.data[pair] - 1.0) / np.maximum(made[who[a]] - 1.0, 1.0)  # of a's reports besides this one
    alike = sp.csr_matrix((sim, (a, b)), shape=(len(who), len(who)))
    # per (reporter, account): the echo of the account's other reporters, read at the reports only
    echo = sp.csr_matrix(alike @ part)
    if not echo.nnz:
        return out
    at = positions(echo, r, t)
    out[keep] = np.where(at >= 0, echo.data[np.maximum(at, 0)], 0.0)
    return out
