"""Preservation: encrypted at rest, least-privilege reads, every access logged, destruction/purge recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert, select

from bastion.core.errors import ConfigError, NotFound
from bastion.core.timefmt import utcnow
from bastion.enforce.settings import EnforceSettings, load_enforce_settings
from bastion.report.preservation import AccessDenied, PreservationVault
from bastion.store import Store
from bastion.store.tables_enforce import cybertip_reports, preservation_items

KEY = Fernet.generate_key()


def _report(store: Store) -> int:
    with store.engine.begin() as conn:
        return int(
            conn.execute(
                insert(cybertip_reports).values(
                    platform="p",
                    case_ref="c",
                    account_id="a",
                    environment="test",
                    status="finished",
                    created_at=utcnow(),
                )
            ).inserted_primary_key[0]
        )  # type: ignore[index]


def test_contents_are_encrypted_and_only_authorised_roles_read(store: Store) -> None:
    vault = PreservationVault(store, KEY, reader_roles={"lead"})
    local = _report(store)
    report_item, _ = vault.preserve(
        local, "p", {"xml": "<report>tidelamp</report>"}, {"account": "a"}, actor="sys"
    )
    with store.engine.connect() as conn:
        blobs = list(conn.scalars(select(preservation_items.c.ciphertext)))
    assert all("tidelamp" not in b for b in blobs)
    with pytest.raises(AccessDenied):
        vault.read(report_item, actor="r1", role="reviewer")
    assert vault.read(report_item, actor="l1", role="lead") == {"xml": "<report>tidelamp</report>"}
    log = [(a.actor, a.action) for a in vault.access_log(report_item)]
    assert log == [("sys", "create"), ("r1", "denied"), ("l1", "read")]
    (item,) = [i for i in vault.items(local) if i.kind == "report"]
    assert item.preserve_until - item.started_at == timedelta(days=365)


def test_destruction_on_request_and_purge_on_schedule_are_recorded(store: Store) -> None:
    vault = PreservationVault(store, KEY, days=400, reader_roles={"lead"})
    a, b = _report(store), _report(store)
    vault.preserve(a, "p", {"x": 1}, {"y": 2}, actor="sys")
    vault.preserve(b, "p", {"x": 1}, {"y": 2}, actor="sys", now=utcnow() - timedelta(days=401))
    with pytest.raises(AccessDenied):
        vault.destroy(a, actor="r", role="reviewer", request_ref="LE-1")
    assert vault.destroy(a, actor="l", role="lead", request_ref="FBI request 2025-17") == 2
    item = vault.items(a)[0]
    assert item.destroyed_by == "l" and "FBI request 2025-17" in (item.destroy_reason or "")
    with pytest.raises(NotFound):
        vault.read(item.item_id, actor="l", role="lead")
    assert vault.purge_due() == 2  # b's period ended; a is already gone
    assert {i.destroy_reason for i in vault.items(b)} == {"schedule"}
    assert [x.action for x in vault.access_log() if x.action in ("destroy", "purge")] == ["destroy"] * 2 + [
        "purge"
    ] * 2


def test_never_shorter_than_a_year_and_no_default_key_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError):
        PreservationVault.__init__(PreservationVault.__new__(PreservationVault), None, KEY, days=300)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        load_enforce_settings(preservation_days=30)
    monkeypatch.delenv("BASTION_PRESERVATION_KEY", raising=False)
    with pytest.raises(ConfigError):
        EnforceSettings(env="production").fernet_key()
    assert EnforceSettings(env="development").fernet_key()
    assert EnforceSettings().cybertip_base_url.startswith("https://exttest.")
