"""review: audit rows say how they were chained (sha256 before the key, hmac-sha256 after)

Existing rows keep their unkeyed hashes (re-signing them would launder any earlier edit); they are marked
``sha256`` and stay verifiable as the chain's prefix, which the first keyed row then seals.

Revision ID: review_0002
Revises: review_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "review_0002"
down_revision = "review_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_audit") as batch:
        batch.add_column(sa.Column("scheme", sa.String(length=16), server_default="sha256", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("review_audit") as batch:
        batch.drop_column("scheme")
