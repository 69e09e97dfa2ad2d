"""The core store: ingested platform data, signals and ingest bookkeeping (SQLAlchemy Core).

Ingested tables mirror ``platform-export.md`` one to one, keyed as the contract says, with ``platform`` in
every key so several platforms can share one database. Unknown export columns land in ``extra``.
Later capabilities add their own tables in their own migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from bastion.store.types import Instant, Json

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ID = String(255)


def _platform() -> Column[str]:
    return Column("platform", ID, ForeignKey("platforms.name"), primary_key=True)


platforms = Table(
    "platforms",
    metadata,
    Column("name", ID, primary_key=True),
    Column("exported_at", Instant, nullable=True),
    Column("first_seen_at", Instant, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    _platform(),
    Column("account_id", ID, primary_key=True),
    Column("created_at", Instant, nullable=False),
    Column("username", Text),
    Column("display_name", Text),
    Column("bio", Text),
    Column("external_links", Text),
    Column("age_band", String(16), nullable=False, server_default="unknown"),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("status_changed_at", Instant),  # when the platform says the status changed (optional in exports)
    Column("status_seen_at", Instant),  # when Bastion first saw the current status (set by ingest)
    Column("followers_count", Integer),
    Column("following_count", Integer),
    Column("extra", Json),
)

follows = Table(
    "follows",
    metadata,
    _platform(),
    Column("follower_id", ID, primary_key=True),
    Column("followee_id", ID, primary_key=True),
    Column("created_at", Instant, nullable=False),
    Column("source", String(32), nullable=False, server_default="unknown"),
    Column("extra", Json),
    Index("ix_follows_followee", "platform", "followee_id"),
)

posts = Table(
    "posts",
    metadata,
    _platform(),
    Column("post_id", ID, primary_key=True),
    Column("account_id", ID, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("kind", String(16), nullable=False, server_default="post"),
    Column("text", Text),
    Column("hashtags", Text),
    Column("extra", Json),
    Index("ix_posts_account", "platform", "account_id"),
)

media = Table(
    "media",
    metadata,
    _platform(),
    Column("post_id", ID, primary_key=True),
    Column("media_id", ID, primary_key=True),  # its hashes: ``media_hashes`` (tables_media), one row a type
    ForeignKeyConstraint(["platform", "post_id"], ["posts.platform", "posts.post_id"], ondelete="CASCADE"),
)

interactions = Table(
    "interactions",
    metadata,
    _platform(),
    Column("actor_id", ID, primary_key=True),
    Column("target_account_id", ID, primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("post_id", ID, primary_key=True, server_default=""),
    Column("count", Integer, nullable=False),
    Column("first_at", Instant, nullable=False),
    Column("last_at", Instant, nullable=False),
    Column("extra", Json),
    Index("ix_interactions_target", "platform", "target_account_id"),
)

messages = Table(
    "messages",
    metadata,
    _platform(),
    Column("sender_id", ID, primary_key=True),
    Column("recipient_id", ID, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("first_at", Instant, nullable=False),
    Column("last_at", Instant, nullable=False),
    Column("initiated_by_sender", Boolean),
    Column("extra", Json),
)

searches = Table(
    "searches",
    metadata,
    _platform(),
    Column("account_id", ID, primary_key=True),
    Column("created_at", Instant, primary_key=True),
    Column("query", Text, primary_key=True),
    Column("results_shown", Integer),
    Column("extra", Json),
)

recommendations = Table(
    "recommendations",
    metadata,
    _platform(),
    Column("viewer_id", ID, primary_key=True),
    Column("recommended_id", ID, primary_key=True),
    Column("surface", String(64), primary_key=True),
    Column("shown_at", Instant, primary_key=True),
    Column("clicked", Boolean),
    Column("followed", Boolean),
    Column("extra", Json),
    Index("ix_recommendations_recommended", "platform", "recommended_id"),
)

reports = Table(
    "reports",
    metadata,
    _platform(),
    Column("report_id", ID, primary_key=True),
    Column("reporter_id", ID, nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_id", ID, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("text", Text),
    Column("extra", Json),
    # when Bastion first stored it (ingest, live events, the report API): what a verdict could have seen.
    # A platform may deliver a report days after its user filed it (``created_at``)
    Column("received_at", Instant),
    Index("ix_reports_target", "platform", "target_type", "target_id"),
)

seeds = Table(
    "seeds",
    metadata,
    _platform(),
    Column("account_id", ID, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("source", String(32), nullable=False, server_default="analyst"),
    Column("extra", Json),
)

signals = Table(
    "signals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("entity_type", String(16), nullable=False),
    Column("entity_id", ID, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("source", String(64), nullable=False),
    Column("key", String(255), nullable=False, server_default=""),
    Column("score", Float, nullable=False),
    Column("evidence", Json, nullable=False),
    Column("created_at", Instant, nullable=False),
    UniqueConstraint("platform", "entity_type", "entity_id", "kind", "source", "key"),
    Index("ix_signals_kind", "kind", "platform"),
)

ingest_files = Table(
    "ingest_files",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("table_name", String(64), primary_key=True),
    Column("file_name", Text, primary_key=True),
    Column("fingerprint", String(128), nullable=False),
    Column("position", Integer, nullable=False),
    Column("rows_accepted", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

ingest_rejects = Table(
    "ingest_rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("field", String(128)),
    Column("message", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
    UniqueConstraint("platform", "file_name", "line"),
)

scan_state = Table(
    "scan_state",
    metadata,
    Column("capability", String(64), primary_key=True),
    Column("platform", ID, primary_key=True),
    Column("version", Text, nullable=False),
    Column("signals", Integer, nullable=False),
    Column("scanned_at", Instant, nullable=False),
)

#: Export tables in load order (parents before children).
EXPORT_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        accounts,
        follows,
        posts,
        interactions,
        messages,
        searches,
        recommendations,
        reports,
        seeds,
    )
}
