"""Tables of enforcement and legally required reporting: actions and their append-only history, webhook
deliveries, network takedowns, ban-evasion links, CyberTipline reports with their append-only exchange log,
and preserved report contents with an append-only access log.

Who decided, why and under which clause is in ``review_decisions`` (one row per decision), which actions,
events, takedowns and CyberTipline reports reference by ``decision_id`` instead of copying the words.
``enforce_actions`` holds each action's current state (active or reversed); every change is also an
``enforce_events`` row that is never updated, and that row's id is the cursor platforms pull with
(``GET /v1/actions?since=``). ``cybertip_exchanges`` keeps the exact XML sent and NCMEC's answers;
``preservation_access`` records every read, refusal, destruction and purge of preserved data.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from bastion.store.tables import ID, metadata
from bastion.store.types import Instant, Json

# (*) ``decision_id`` is always written, but nullable in the schema: SQLite cannot add a NOT NULL reference to
# a table that already has rows, and rebuilding these tables (referenced by others) is not possible in place.
enforce_takedowns = Table(
    "enforce_takedowns",
    metadata,
    Column("takedown_id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("network_id", ID, nullable=False),
    Column("decision_id", Integer, ForeignKey("review_decisions.decision_id")),  # set on every row (*)
    Column("decided_at", Instant, nullable=False),
    Column("plan", Json, nullable=False),  # role -> action kinds, as previewed
    Column("members", Integer, nullable=False),
    Index("ix_enforce_takedowns_network", "platform", "network_id"),
)

enforce_actions = Table(
    "enforce_actions",
    metadata,
    Column("action_id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("account_id", ID, nullable=False),  # the account acted on (or that owns the content)
    Column("target_type", String(16), nullable=False),  # account | post
    Column("target_id", ID, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # active | reversed
    Column("decision_id", Integer, ForeignKey("review_decisions.decision_id")),  # set on every row (*)
    Column("decided_at", Instant, nullable=False),
    Column("takedown_id", Integer, ForeignKey("enforce_takedowns.takedown_id")),
    Column("role", String(16)),
    Index("ix_enforce_actions_account", "platform", "account_id"),
)

enforce_events = Table(
    "enforce_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("enforce_actions.action_id"), nullable=False),
    Column("platform", ID, nullable=False),
    Column("event", String(16), nullable=False),  # applied | reversed
    # the decision this change carries out: the action's own when applied, the reversing one when reversed
    Column("decision_id", Integer, ForeignKey("review_decisions.decision_id")),  # set on every row (*)
    Column("at", Instant, nullable=False),
    Column("delivery_id", String(64), nullable=False, unique=True),
    Index("ix_enforce_events_action", "action_id"),
)

enforce_deliveries = Table(
    "enforce_deliveries",
    metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("event_id", Integer, ForeignKey("enforce_events.event_id"), nullable=False),
    Column("status", String(16), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Instant, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", Instant),
    Index("ix_enforce_deliveries_status", "status", "next_attempt_at"),
)

enforce_evasion = Table(
    "enforce_evasion",
    metadata,
    Column("platform", ID, primary_key=True),
    Column("account_id", ID, primary_key=True),
    Column("original_account_id", ID, nullable=False),
    Column("original_action_id", Integer, ForeignKey("enforce_actions.action_id")),
    Column("score", Float, nullable=False),
    Column("evidence", Json, nullable=False),
    Column("found_at", Instant, nullable=False),
)

cybertip_reports = Table(
    "cybertip_reports",
    metadata,
    Column("local_id", Integer, primary_key=True, autoincrement=True),
    Column("platform", ID, nullable=False),
    Column("case_ref", ID, nullable=False),  # the case id for a case's draft; the caller's words otherwise
    Column("account_id", ID),
    Column("environment", String(16), nullable=False),  # test | production
    # draft | withdrawn | built | open | finished | retracted | expired
    Column("status", String(16), nullable=False),
    Column("case_id", Integer, ForeignKey("review_cases.case_id")),
    Column("decision_id", Integer, ForeignKey("review_decisions.decision_id")),
    Column("ncmec_report_id", String(64)),
    Column("created_at", Instant, nullable=False),
    Column("opened_at", Instant),
    Column("last_change_at", Instant),
    Column("finished_at", Instant),
    Index("ix_cybertip_reports_account", "platform", "account_id"),
)

cybertip_exchanges = Table(
    "cybertip_exchanges",
    metadata,
    Column("exchange_id", Integer, primary_key=True, autoincrement=True),
    Column("local_id", Integer, ForeignKey("cybertip_reports.local_id"), nullable=False),
    Column("step", String(16), nullable=False),  # build | submit | upload | fileinfo | finish | retract
    Column("request", Text, nullable=False),  # the exact XML (or form fields) sent
    Column("response_code", Integer),
    Column("response", Text),
    Column("ncmec_report_id", String(64)),
    Column("at", Instant, nullable=False),
    Index("ix_cybertip_exchanges_report", "local_id"),
)

preservation_items = Table(
    "preservation_items",
    metadata,
    Column("item_id", Integer, primary_key=True, autoincrement=True),
    Column("local_id", Integer, ForeignKey("cybertip_reports.local_id")),  # the report (NULL: an action's)
    Column("platform", ID, nullable=False),
    Column("account_id", ID),  # evidence preserved for an enforcement action: the account ...
    Column("action_ref", ID),  # ... and the action it was kept for (a connector's idempotency key)
    Column("kind", String(32), nullable=False),  # report | context | account
    Column("ciphertext", Text),  # Fernet token; NULL once destroyed
    Column("started_at", Instant, nullable=False),
    Column("preserve_until", Instant, nullable=False),
    Column("destroyed_at", Instant),
    Column("destroyed_by", ID),
    Column("destroy_reason", Text),
    UniqueConstraint("local_id", "kind"),
    UniqueConstraint("platform", "action_ref", "kind"),
)

preservation_access = Table(
    "preservation_access",
    metadata,
    Column("access_id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("preservation_items.item_id"), nullable=False),
    Column("actor", ID, nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(16), nullable=False),  # create | read | denied | destroy | purge
    Column("detail", Text, nullable=False),
    Column("at", Instant, nullable=False),
    Index("ix_preservation_access_item", "item_id"),
)

# A connector's Bastion-side state (the Mastodon enforcer runs in Bastion's service, not in Mastodon): its
# named values (the action feed's cursor) and every call it made to the platform under its idempotency key.
connector_state = Table(
    "connector_state",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

connector_calls = Table(
    "connector_calls",
    metadata,
    Column("connector", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("action", String(64), nullable=False),
    Column("target", ID, nullable=False),
    Column("status", String(32), nullable=False),  # done | retry | failed | needs_operator
    Column("detail", Text, nullable=False),
    Column("at", Instant, nullable=False),
)

__all__ = [
    "connector_calls",
    "connector_state",
    "cybertip_exchanges",
    "cybertip_reports",
    "enforce_actions",
    "enforce_deliveries",
    "enforce_evasion",
    "enforce_events",
    "enforce_takedowns",
    "metadata",
    "preservation_access",
    "preservation_items",
]
