"""Tables of the review capability: people and platform tokens, sessions, cases, decisions, exposure and the
hash-chained audit log.

A report is "in a queue" once it has a ``review_case_reports`` row; ``review_intake`` records when Bastion
received it (API, ingest or canary) so the pipeline monitor can tell a report that is late from one that is
new. The audit log is append-only: each row carries the MAC of the one before, ``review_audit_head`` holds
the last one, and signed checkpoints outside the database anchor it (see bastion.review.audit_anchor).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
)

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

review_users = Table(
    "review_users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("name", ID, nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", Instant, nullable=False),
)

review_tokens = Table(
    "review_tokens",
    metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("label", ID, nullable=False),  # the platform a platform token writes for
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Instant, nullable=False),
    Column("revoked_at", Instant),
)

review_sessions = Table(
    "review_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("review_users.user_id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("expires_at", Instant, nullable=False),
)

review_intake = Table(
    "review_intake",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("report_id", ID, primary_key=True),
    Column("received_at", Instant, nullable=False),
    Column("source", String(16), nullable=False),  # api | ingest | canary
    Index("ix_review_intake_received", "received_at"),
)

review_cases = Table(
    "review_cases",
    metadata,
    Column("case_id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("group_type", String(16), nullable=False),  # account | network | post | hashtag | ...
    Column("group_id", ID, nullable=False),
    Column("account_id", ID),
    Column("category", String(64), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("priority", Integer, nullable=False),  # 1 = most urgent
    Column("score", Float, nullable=False),
    Column("flags", Json, nullable=False),
    Column("status", String(16), nullable=False),  # open | in_review | closed
    Column("stage", String(16), nullable=False),  # first | second | lead | appeal
    Column("assignee", ID),
    Column("claimed_at", Instant),
    Column("outcome", String(32)),
    Column("report_count", Integer, nullable=False),
    Column("canary", Boolean, nullable=False, server_default="0"),
    Column("created_at", Instant, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("queue_id", Integer),  # the named queue routing put it in (review/routing.py); never left empty
    Index("ix_review_cases_queue", "status", "priority", "due_at"),
    Index("ix_review_cases_queue_id", "queue_id"),
    Index("ix_review_cases_group", "platform", "group_type", "group_id"),
)

#: Named queues a lead defines, in routing order: a case goes to the first queue whose rule it matches
#: (``rule``: the conditions, all of which must hold; see bastion.review.routing), else to the default queue.
review_queues = Table(
    "review_queues",
    metadata,
    Column("queue_id", Integer, primary_key=True, autoincrement=True),
    Column("name", ID, nullable=False, unique=True),
    Column("position", Integer, nullable=False),
    Column("rule", Json, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default="0"),
    Column("updated_by", ID, nullable=False),
    Column("updated_at", Instant, nullable=False),
)

review_case_reports = Table(
    "review_case_reports",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("report_id", ID, primary_key=True),
    Column("case_id", Integer, ForeignKey("review_cases.case_id", ondelete="CASCADE"), nullable=False),
    Column("added_at", Instant, nullable=False),
    Column("discounted", Boolean, nullable=False, server_default="0"),
    Index("ix_review_case_reports_case", "case_id"),
)

#: Every decision, once: a reviewer's on a case (one row per stage), and a lead's outside a case
#: (case_id NULL, stage manual | takedown | reversal). Enforcement actions, their events and CyberTipline
#: drafts point here.
review_decisions = Table(
    "review_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("review_cases.case_id", ondelete="CASCADE")),
    Column("reviewer", ID, nullable=False),  # the actor
    Column("stage", String(16), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("clause", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", Instant, nullable=False),
    Column("platform", ID),
    Column("category", String(64)),
    Column("subjects", Json),  # [{platform, account_id, role, post_id}]
    Column("final", Boolean, nullable=False, server_default="0"),  # settles its case (or stands alone)
    Index("ix_review_decisions_case", "case_id"),
)

review_reveals = Table(
    "review_reveals",
    metadata,
    Column("reveal_id", Integer, primary_key=True, autoincrement=True),
    Column("reviewer", ID, nullable=False),
    Column("case_id", Integer, nullable=False),
    Column("item", Text, nullable=False),
    Column("revealed_at", Instant, nullable=False),
    Index("ix_review_reveals_reviewer", "reviewer", "revealed_at"),
)

review_reporters = Table(
    "review_reporters",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("reporter_id", ID, primary_key=True),
    Column("bad_faith", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("marked_by", ID, nullable=False),
    Column("marked_at", Instant, nullable=False),
)

review_audit = Table(
    "review_audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", Instant, nullable=False),
    Column("actor", ID, nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("details", Json, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    # sha256: written before the chain was keyed (review_0002); hmac-sha256: keyed with the audit key
    Column("scheme", String(16), nullable=False, server_default="sha256"),
)

review_audit_head = Table(
    "review_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

__all__ = [
    "metadata",
    "review_audit",
    "review_audit_head",
    "review_case_reports",
    "review_cases",
    "review_decisions",
    "review_intake",
    "review_queues",
    "review_reporters",
    "review_reveals",
    "review_sessions",
    "review_tokens",
    "review_users",
]


def joins_case_reports(table: Table) -> ColumnElement[bool]:
    """The join from a table keyed by (platform, report_id) — reports, intake — to the case it is in."""
    return and_(
        review_case_reports.c.platform == table.c.platform,
        review_case_reports.c.report_id == table.c.report_id,
    )
