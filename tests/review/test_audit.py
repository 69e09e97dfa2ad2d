"""The audit chain detects an edited row, a deleted row and a removed tail."""

from __future__ import annotations

from sqlalchemy import delete, update

from bastion.review import audit
from bastion.review.service import Review
from bastion.store.tables_review import review_audit


def _fill(review: Review, n: int = 5) -> None:
    for i in range(n):
        audit.record(review.engine, "ana", "case.view", f"case:{i}", {"via": "test", "i": i})


def test_intact_chain_verifies(review: Review) -> None:
    _fill(review)
    verdict = audit.verify(review.engine)
    assert verdict.ok and verdict.rows == 5


def test_edited_row_is_detected(review: Review) -> None:
    _fill(review)
    with review.engine.begin() as conn:
        conn.execute(update(review_audit).where(review_audit.c.seq == 3).values(actor="mallory"))
    verdict = audit.verify(review.engine)
    assert not verdict.ok and any("row 3" in p for p in verdict.problems)


def test_deleted_row_and_tail_are_detected(review: Review) -> None:
    _fill(review)
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit).where(review_audit.c.seq == 2))
    assert any("missing" in p for p in audit.verify(review.engine).problems)
    _fill(review, 0)
    with review.engine.begin() as conn:
        conn.execute(delete(review_audit).where(review_audit.c.seq >= 4))
    assert any("tail" in p for p in audit.verify(review.engine).problems)
