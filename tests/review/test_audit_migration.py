"""review_0002 on a log written before the chain was keyed: old rows keep their hashes, are marked sha256,
verify as the chain's prefix, and the first keyed row seals them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text, update

from bastion.review import audit
from bastion.store import migrate
from bastion.store.tables_review import review_audit


def test_existing_unkeyed_chain_survives_the_migration(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "review_0001")
    at = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    prev = audit.GENESIS
    with engine.begin() as conn:
        for seq in (1, 2):
            digest = audit.entry_hash(prev, seq, at, "ana", "case.view", f"case:{seq}", {})
            conn.execute(
                text(
                    "INSERT INTO review_audit (seq, at, actor, action, subject, details, prev_hash, hash) "
                    "VALUES (:seq, :at, 'ana', 'case.view', :subject, '{}', :prev, :hash)"
                ),
                {"seq": seq, "at": at.isoformat(), "subject": f"case:{seq}", "prev": prev, "hash": digest},
            )
            prev = digest
        conn.execute(text("INSERT INTO review_audit_head (id, seq, hash) VALUES (1, 2, :h)"), {"h": prev})
    migrate.upgrade(engine)
    audit.record(engine, "bea", "case.view", "case:3")
    verdict = audit.verify(engine)
    assert verdict.ok and verdict.rows == 3, verdict
    assert any("2 row(s) predate" in n for n in verdict.notes)
    with engine.begin() as conn:
        conn.execute(update(review_audit).where(review_audit.c.seq == 1).values(actor="mallory"))
    assert audit.verify(engine).first_bad == 1
    engine.dispose()
