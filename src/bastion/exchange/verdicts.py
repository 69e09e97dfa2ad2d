"""A reviewer's final decision on a post with hash matches becomes a verdict on the matched hashes: violating
is a true positive, not violating a false positive (feedback to the exchanges that have the hash, and the
hash disabled locally). Only where reports put the content before the reviewer (``matched_hashes``).

The decision's transaction only records the verdicts (``exchange_feedback`` rows with status ``pending``,
under a savepoint so a failure here never undoes the decision); the service's schedule sends them, so no
exchange's network call ever holds a review transaction open.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bastion.core.decision import Decision, DecisionEffects, DecisionHandler
from bastion.core.model import EntityType
from bastion.core.timefmt import utcnow
from bastion.exchange.feedback import Feedback
from bastion.media import HASH_MATCH
from bastion.store.signals import SignalRepository
from bastion.store.tables_exchange import exchange_feedback
from bastion.store.tables_review import review_case_reports

log = logging.getLogger("bastion.exchange.verdicts")
PENDING = "pending"
VERDICT_OF = {"violating": "true_positive", "not_violating": "false_positive"}


def matched_hashes(conn: Connection, decision: Decision) -> set[tuple[str, str]]:
    """(signal type, value) of the hash matches on the decision's subjects (their posts, if named), where
    the case put the content before the reviewer: one that reports opened, on an account or a post. A
    network's case judges the network, and a referral (no report) the account's conduct: neither says
    anything of each member's media (an outside check's journalist, referred and cleared, took a hash its
    old post matched off the list and sent the exchanges a false positive)."""
    found: set[tuple[str, str]] = set()
    if decision.case_id is None or not _reported(conn, decision.case_id):
        return found
    repo = SignalRepository(conn.engine)
    for s in decision.subjects:
        if s.network_id is not None:
            continue
        for signal in repo.for_entity(
            s.platform, EntityType.ACCOUNT, s.account_id, kind=HASH_MATCH, conn=conn
        ):
            ev: dict[str, Any] = dict(signal.evidence or {})
            if s.post_id is not None and ev.get("post_id") != s.post_id:
                continue
            kind, value = ev.get("type"), ev.get("value")
            if isinstance(kind, str) and isinstance(value, str) and value != "(vpdq)":
                found.add((kind, value))
    return found


def _reported(conn: Connection, case_id: int) -> bool:
    q = select(review_case_reports.c.report_id).where(review_case_reports.c.case_id == case_id).limit(1)
    return conn.execute(q).first() is not None


def decision_handler() -> DecisionHandler:
    def record(conn: Connection, decision: Decision, previous: Decision | None) -> DecisionEffects:
        verdict = VERDICT_OF.get(decision.outcome)
        if verdict is None or not decision.final:
            return DecisionEffects()
        try:
            with conn.begin_nested():
                rows = [
                    {"exchange": "", "signal_type": k, "value": v, "verdict": verdict, "by": decision.actor,
                     "at": utcnow(), "status": PENDING, "detail": f"decision {decision.decision_id}"}
                    for k, v in sorted(matched_hashes(conn, decision))
                ]  # fmt: skip
                if rows:
                    conn.execute(insert(exchange_feedback), rows)
        except Exception:  # the decision stands; the verdict is lost, and said so
            log.exception("could not record hash verdicts of decision %s", decision.decision_id)
        return DecisionEffects()

    return record


def send_pending(feedback: Feedback) -> int:
    """Send the verdicts decisions recorded; each becomes one or more sent/unsupported/failed rows."""
    store = feedback.store
    with store.engine.connect() as conn:
        rows = conn.execute(select(exchange_feedback).where(exchange_feedback.c.status == PENDING)).all()
    done = 0
    for r in rows:
        try:
            feedback.verdict(r.signal_type, r.value, r.verdict, by=r.by)
            status = "processed"
        except Exception as exc:  # a bad stored value must not block the others
            log.error("verdict on %s %s failed: %s", r.signal_type, r.value[:16], exc)
            status = "failed"
        with store.engine.begin() as conn:
            conn.execute(
                update(exchange_feedback)
                .where(exchange_feedback.c.feedback_id == r.feedback_id)
                .values(status=status)
            )
        done += 1
    return done
