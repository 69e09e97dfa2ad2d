"""Tables of the exchange capability: HMA's view of the hash lists (bank settings, banked content and its
signals), hash exchanges (configs, checkpoints, the entries each one brought, feedback sent back) and flood
protection (matches per hash per minute, quarantines).

A "bank" is a media hash list (``media_lists``) of the same name; a banked content item groups the list
entries (``media_entries``) of one piece of media, one per signal type, and its id is its first entry's id,
so a Bastion entry that never came through HMA is a content item of its own with the same id.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

exchange_banks = Table(
    "exchange_banks",
    metadata,
    Column("name", ID, primary_key=True),  # media_lists.name
    Column("enabled_ratio", Float, nullable=False, server_default="1"),  # HMA matching_enabled_ratio
    Column("hidden", Boolean, nullable=False, server_default="0"),  # deleted through HMA (history kept)
)

exchange_signal_types = Table(
    "exchange_signal_types",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("enabled_ratio", Float, nullable=False),  # HMA's per-type override (absent: 1.0)
)

exchange_content = Table(
    "exchange_content",
    metadata,
    Column("content_id", Integer, primary_key=True, autoincrement=False),  # its first media entry's id
    Column("bank", ID, nullable=False),
    Column("disable_until_ts", Integer, nullable=False, server_default="0"),
    Column("note", Text),
    Column("meta", Json),  # HMA BankedContentMetadata (content_id, content_uri, json, collab)
    Column("created_at", Instant, nullable=False),
)

exchange_content_signals = Table(
    "exchange_content_signals",
    metadata,
    Column(
        "content_id",
        Integer,
        ForeignKey("exchange_content.content_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("signal_type", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("entry_id", Integer),  # the live media entry; NULL while the content is disabled
    Index("ix_exchange_content_signals_entry", "entry_id"),
)

exchange_configs = Table(
    "exchange_configs",
    metadata,
    Column("name", ID, primary_key=True),  # also the bank it fills
    Column("platform", ID),  # the platform that configured it (None: every platform)
    Column("api", String(64), nullable=False),  # SignalExchangeAPI.get_name()
    Column("config", Json, nullable=False),  # the API's collaboration config, as threatexchange dumps it
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("created_by", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
)

exchange_checkpoints = Table(
    "exchange_checkpoints",
    metadata,
    Column("name", ID, ForeignKey("exchange_configs.name", ondelete="CASCADE"), primary_key=True),
    Column("checkpoint", Json),  # the API's checkpoint after the last delta applied
    Column("last_fetch_time", Integer, nullable=False, server_default="0"),
    Column("checkpoint_time", Integer, nullable=False, server_default="0"),
    Column("success", Boolean, nullable=False, server_default="1"),
    Column("error", Text),
    Column("fetched", Integer, nullable=False, server_default="0"),  # updates applied, all runs
)

exchange_entries = Table(
    "exchange_entries",
    metadata,
    Column("exchange", ID, primary_key=True),
    Column("signal_type", String(64), primary_key=True),
    Column("value", Text, primary_key=True),
    Column("remote_ids", Json),  # the exchange's own entry ids (NCMEC entry id and member, StopNCII ...)
    Column("disabled", Boolean, nullable=False, server_default="0"),  # a local false positive: not re-added
    Column("updated_at", Instant, nullable=False),
)

exchange_feedback = Table(
    "exchange_feedback",
    metadata,
    Column("feedback_id", Integer, primary_key=True, autoincrement=True),
    Column("exchange", ID, nullable=False),
    Column("signal_type", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("verdict", String(16), nullable=False),  # true_positive | false_positive
    Column("by", Text, nullable=False),
    Column("at", Instant, nullable=False),
    Column("status", String(16), nullable=False),  # sent | unsupported | failed
    Column("detail", Text),
)

exchange_match_counts = Table(
    "exchange_match_counts",
    metadata,
    Column("entry_id", Integer, primary_key=True),
    Column("minute", Integer, primary_key=True),  # unix time // 60
    Column("n", Integer, nullable=False),
    Index("ix_exchange_match_counts_minute", "minute"),  # the sweep prunes by minute
)

exchange_floods = Table(
    "exchange_floods",
    metadata,
    Column("flood_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, nullable=False),
    Column("list_name", ID, nullable=False),
    Column("signal_type", String(64), nullable=False),
    Column("value", Text, nullable=False),
    Column("window_matches", Integer, nullable=False),
    Column("baseline", Float, nullable=False),
    Column("detected_at", Instant, nullable=False),
    Column("status", String(16), nullable=False),  # quarantined | released | confirmed
    Column("decided_by", Text),
    Column("decided_at", Instant),
    Column("reason", Text),
    Index("ix_exchange_floods_entry", "entry_id", "status"),
)

exchange_shared_out = Table(
    "exchange_shared_out",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("partner", ID, nullable=False),
    Column(
        "kind", String(32), nullable=False
    ),  # pdq | video_md5 | video_sha256 | url | username | email | ...
    Column(
        "value", Text, nullable=False
    ),  # hashes and URLs as they are; identifiers as the partnership's HMAC
    Column("category", String(64), nullable=False),
    Column("expires_at", Instant),
    Column("retracted", Boolean, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False),  # raised on every change: the feed's cursor
    Column("true_positives", Integer, nullable=False, server_default="0"),  # the partner's feedback
    Column("false_positives", Integer, nullable=False, server_default="0"),
    Column("created_by", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
    Index("ix_exchange_shared_out_feed", "partner", "version"),
)

exchange_shared_in = Table(
    "exchange_shared_in",
    metadata,
    Column("partner", ID, primary_key=True),
    Column("remote_seq", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("value", Text, nullable=False),
    Column("category", String(64), nullable=False),
    Column("expires_at", Instant),
    Column("retracted", Boolean, nullable=False, server_default="0"),
    Column("remote_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | rejected: a person decides first
    Column("reviewed_by", Text),
    Column("reviewed_at", Instant),
    Column("feedback", String(16)),  # true_positive | false_positive, once sent back
    Column("received_at", Instant, nullable=False),
)

__all__ = [
    "exchange_banks",
    "exchange_checkpoints",
    "exchange_configs",
    "exchange_content",
    "exchange_content_signals",
    "exchange_entries",
    "exchange_feedback",
    "exchange_floods",
    "exchange_match_counts",
    "exchange_shared_in",
    "exchange_shared_out",
    "exchange_signal_types",
]
