"""Open cases as ``case_open`` signals, so the guards can hold back accounts under review; final
decisions as ``verdict`` signals, so detection can learn from them; reporters marked as acting in bad
faith as ``bad_faith_reporter`` signals, so detection stops counting their reports.

The guards and detection must not read review's tables; they read signals. Every change to a case's
status (triage, decision, appeal) re-derives these signals in the same transaction, so a closed case stops
holding an account back the moment it is closed, a reopened one starts again, and an appealed decision is
no longer a verdict until the appeal is decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.review.kinds import BAD_FAITH_REPORTER, CASE_OPEN, VERDICT
from bastion.review.policy import CHILD_SAFETY
from bastion.review.subjects import case_subjects
from bastion.store.signals import SignalRepository
from bastion.store.tables_review import review_cases

KIND = CASE_OPEN
SOURCE = "review"
#: Final outcomes that say whether the accounts were what the case suspected (escalations say neither).
VERDICT_SCORES = {"violating": 1.0, "not_violating": 0.0}
_CHUNK = 500


def sync_case_signals(conn: Connection, case_ids: Sequence[int] | None = None) -> int:
    """Replace every ``case_open`` signal with one per open (or in-review) case on an account; with
    ``case_ids``, only upsert those cases' signals (triage: cases it just opened or joined, none closed, so
    nothing else can have changed; rewriting every open case's signal made each sweep cost as much as
    all the open cases)."""
    query = select(
        review_cases.c.case_id,
        review_cases.c.platform,
        review_cases.c.account_id,
        review_cases.c.category,
        review_cases.c.priority,
        review_cases.c.stage,
    ).where(
        review_cases.c.status != "closed",
        review_cases.c.canary.is_(False),
        review_cases.c.account_id.is_not(None),
    )
    if case_ids is None:
        rows = conn.execute(query).all()
    else:
        wanted = sorted(set(case_ids))
        rows = [
            r
            for lo in range(0, len(wanted), _CHUNK)
            for r in conn.execute(query.where(review_cases.c.case_id.in_(wanted[lo : lo + _CHUNK])))
        ]
    now = utcnow()
    seen = {
        (r.platform, r.account_id, str(r.case_id)): Signal(
            r.platform,
            EntityType.ACCOUNT,
            r.account_id,
            CASE_OPEN,
            SOURCE,
            1.0 if r.category == CHILD_SAFETY else 0.5,
            {"case_id": r.case_id, "category": r.category, "priority": r.priority, "stage": r.stage},
            key=str(r.case_id),
            created_at=now,
        )
        for r in rows
    }
    if case_ids is not None:
        return _repo(conn).add(seen.values(), conn=conn)
    return _repo(conn).replace(SOURCE, CASE_OPEN, None, seen.values(), conn=conn)


def record_verdict(conn: Connection, case_id: int) -> int:
    """One ``verdict`` signal (1 violating, 0 not) per account the closed case decided on: the case's
    account, or every member of the network it was opened on. Returns how many were written."""
    repo = _repo(conn)
    repo.delete(SOURCE, VERDICT, key=str(case_id), conn=conn)
    case = conn.execute(select(review_cases).where(review_cases.c.case_id == case_id)).first()
    if case is None or case.canary or case.status != "closed" or case.outcome not in VERDICT_SCORES:
        return 0
    # whom the decision is about, as its enforcement reads it: a network case's every member (the case
    # also names the account first reported, which is one of them), else the case's account
    accounts = sorted({subject.account_id for subject in case_subjects(conn, case)})
    if not accounts:
        return 0
    now = utcnow()
    evidence = {"case_id": case_id, "outcome": case.outcome, "category": case.category}
    score = VERDICT_SCORES[case.outcome]
    verdicts = [
        Signal(case.platform, EntityType.ACCOUNT, a, VERDICT, SOURCE, score, evidence, str(case_id), now)
        for a in accounts
    ]
    return repo.add(verdicts, conn=conn) if verdicts else 0


def record_bad_faith(conn: Connection, platform: str, reporter_id: str, reason: str, marked_by: str) -> int:
    """The ``bad_faith_reporter`` signal of a reporter a lead marked (one per reporter, the latest mark)."""
    repo = _repo(conn)
    repo.delete(SOURCE, BAD_FAITH_REPORTER, platform, key=reporter_id, conn=conn)
    mark = Signal(
        platform,
        EntityType.ACCOUNT,
        reporter_id,
        BAD_FAITH_REPORTER,
        SOURCE,
        1.0,
        {"reason": reason, "marked_by": marked_by},
        reporter_id,
        utcnow(),
    )
    return repo.add([mark], conn=conn)


def _repo(conn: Connection) -> SignalRepository:
    return SignalRepository(conn.engine)
