"""enforce_0003 on a database that already preserved a CyberTipline report: the item and its access log are
kept as they were (report id, ciphertext, history), and the vault then also keeps evidence for an enforcement
action without a report, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bastion.report import PreservationVault
from bastion.store import Store, migrate
from bastion.store.schema import metadata
from bastion.store.types import Instant

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
KEY = base64.urlsafe_b64encode(b"m" * 32)


def test_preserved_reports_survive_and_actions_can_preserve_without_a_report(empty_url: str) -> None:
    engine = sa.create_engine(empty_url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "enforce_0002")
    reports = sa.table(
        "cybertip_reports",
        *(sa.column(c) for c in ("local_id", "platform", "case_ref", "environment", "status")),
        sa.column("created_at", Instant()),
    )
    items = sa.table(
        "preservation_items",
        *(sa.column(c) for c in ("item_id", "local_id", "platform", "kind", "ciphertext")),
        *(sa.column(c, Instant()) for c in ("started_at", "preserve_until")),
    )
    access = sa.table(
        "preservation_access",
        *(sa.column(c) for c in ("item_id", "actor", "role", "action", "detail")),
        sa.column("at", Instant()),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(reports).values(
                local_id=7, platform="p", case_ref="c", environment="test", status="submitted", created_at=T0
            )
        )
        old_id = conn.execute(  # from the sequence, as the vault wrote it
            sa.insert(items).returning(items.c.item_id).values(
                local_id=7, platform="p", kind="report", ciphertext="token-before",
                started_at=T0, preserve_until=T0 + timedelta(days=365),
            )
        ).scalar_one()  # fmt: skip
        conn.execute(
            sa.insert(access).values(
                item_id=old_id, actor="scheduler", role="system", action="create", detail="kept", at=T0
            )
        )
    engine.dispose()
    store = Store(empty_url)  # migrates to every head
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        vault = PreservationVault(store, KEY)
        (old,) = vault.items()
        assert (old.item_id, old.local_id, old.kind, old.account_id, old.action_ref) == (
            old_id,
            7,
            "report",
            None,
            None,
        )
        assert [(a.actor, a.action) for a in vault.access_log(old_id)] == [("scheduler", "create")]
        item_id = vault.preserve_evidence("p", "acct-9", "action-1:preserve", {"files": []}, actor="enforcer")
        assert vault.preserve_evidence("p", "acct-9", "action-1:preserve", {"other": 1}, actor="x") == item_id
        assert vault.read(item_id, actor="lead-1", role="lead") == {"files": []}
        assert vault.items(7) == [old]
    finally:
        store.close()
