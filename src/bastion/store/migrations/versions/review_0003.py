"""review: one decision table for every decision (platform, category, subjects, final; case optional)

A lead's decision outside a case (a manual action, a takedown, a reversal) is stored here too, with no case.
Existing rows take their case's platform and category; the last decision of each closed case is its final one.

Revision ID: review_0003
Revises: review_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "review_0003"
down_revision = "review_0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("review_decisions") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("platform", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("category", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("subjects", _JSON, nullable=True))
        batch.add_column(sa.Column("final", sa.Boolean(), server_default="0", nullable=False))
    op.execute(
        "UPDATE review_decisions SET "
        "platform = (SELECT c.platform FROM review_cases c WHERE c.case_id = review_decisions.case_id), "
        "category = (SELECT c.category FROM review_cases c WHERE c.case_id = review_decisions.case_id)"
    )
    op.execute(
        "UPDATE review_decisions SET final = TRUE WHERE decision_id IN ("
        " SELECT MAX(d.decision_id) FROM review_decisions d JOIN review_cases c ON c.case_id = d.case_id"
        " WHERE c.status = 'closed' GROUP BY d.case_id)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM review_decisions WHERE case_id IS NULL")
    with op.batch_alter_table("review_decisions") as batch:
        batch.drop_column("final")
        batch.drop_column("subjects")
        batch.drop_column("category")
        batch.drop_column("platform")
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
