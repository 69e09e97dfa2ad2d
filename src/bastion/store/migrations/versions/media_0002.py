"""media: the hashes of ingested media move from one column per type on ``media`` to the long table
``media_hashes`` (platform, post, media, hash type, value, quality)

Revision ID: media_0002
Revises: media_0001

Existing values are copied under the registered type names (threatexchange's: ``video_md5``,
``video_sha256``, ``pdq`` with its quality, ``vpdq``) before the columns are dropped. The columns are plain
(no key, index or constraint), so SQLite (3.35+) drops them in place: no table rebuild, which with foreign
keys on would cascade the delete of the rebuilt ``media`` into the rows just copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "media_0002"
down_revision = "media_0001"
branch_labels = None
depends_on = None

#: old column -> hash type name, quality column
_MOVED = (("md5", "video_md5", None), ("sha256", "video_sha256", None), ("pdq", "pdq", "pdq_quality"),
          ("vpdq", "vpdq", None))  # fmt: skip
_OLD = (
    ("md5", sa.String(length=32)),
    ("sha256", sa.String(length=64)),
    ("pdq", sa.String(length=64)),
    ("pdq_quality", sa.Integer()),
    ("vpdq", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "media_hashes",
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("post_id", sa.String(length=255), nullable=False),
        sa.Column("media_id", sa.String(length=255), nullable=False),
        sa.Column("hash_type", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["platform", "post_id", "media_id"],
            ["media.platform", "media.post_id", "media.media_id"],
            name=op.f("fk_media_hashes_platform_media"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("platform", "post_id", "media_id", "hash_type", name=op.f("pk_media_hashes")),
    )
    for column, hash_type, quality in _MOVED:
        op.execute(
            sa.text(
                "INSERT INTO media_hashes (platform, post_id, media_id, hash_type, value, quality) "
                f"SELECT platform, post_id, media_id, :t, {column}, {quality or 'NULL'} FROM media "
                f"WHERE {column} IS NOT NULL AND {column} <> ''"
            ).bindparams(t=hash_type)
        )
    for column, _ in reversed(_OLD):
        op.drop_column("media", column)


def downgrade() -> None:
    for column, type_ in _OLD:
        op.add_column("media", sa.Column(column, type_, nullable=True))
    for column, hash_type, quality in _MOVED:
        pick = (
            "FROM media_hashes h WHERE h.platform = media.platform AND h.post_id = media.post_id "
            "AND h.media_id = media.media_id AND h.hash_type = :t"
        )
        sets = f"{column} = (SELECT h.value {pick})"
        if quality:
            sets += f", {quality} = (SELECT h.quality {pick})"
        op.execute(sa.text(f"UPDATE media SET {sets}").bindparams(t=hash_type))
    op.drop_table("media_hashes")
