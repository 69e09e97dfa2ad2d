"""Planted network -> takedown -> webhook (failing, then recovering) -> CyberTipline report to the fake NCMEC
-> preserved evidence for authorised roles only -> re-created sellers in a later export caught as evasion."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bastion.enforce.evasion_store import scan_evasion
from bastion.enforce.model import Decision
from bastion.enforce.settings import EnforceSettings
from bastion.enforce.status import recheck
from bastion.enforce.takedown import Takedowns
from bastion.enforce.webhook import WebhookDispatcher
from bastion.ingest import Ingestor
from bastion.report.client import CyberTiplineClient
from bastion.report.preservation import AccessDenied, PreservationVault
from bastion.report.schema import validate
from bastion.report.service import CyberTipService
from bastion.store import Store

from .fakes import backoff_waits, fake_ncmec, receiver
from .recreate import later_export
from .world import small_world

KEY = b"end-to-end-webhook-secret-0123456789"


def test_end_to_end(store: Store, tmp_path: Path) -> None:
    platform, networks = small_world(store, tmp_path)
    truth, name = platform.truth, platform.truth.platform
    later = later_export(platform, tmp_path / "later")
    td = Takedowns(store)
    decision = Decision("lead-reviewer", "network selling prohibited material", "CS-1.2", at=later.decided_at)
    results = [td.apply(n, decision) for n in networks]
    sellers = set(truth.members("seller"))

    with receiver(KEY, fail_first=3) as (url, hook):
        d = WebhookDispatcher(store, url, KEY, max_attempts=8, backoff_seconds=0.001)
        d.drain(sleep=backoff_waits())
        d.close()
    statuses = [row for r in results for row in td.status(r.takedown_id)]
    assert statuses and all(row["delivery"] == "delivered" for row in statuses)
    disabled = {e["account_id"] for e in hook.applied if e["action"] == "disable_account"}
    assert sellers <= disabled and len(hook.applied) == len(statuses)

    vault = PreservationVault(store, Fernet.generate_key(), reader_roles={"lead"})
    seller = sorted(sellers)[0]
    with fake_ncmec() as (ncmec_url, ncmec):
        svc = CyberTipService(
            store,
            EnforceSettings(env="development"),
            client=CyberTiplineClient(ncmec_url, "esp", "secret"),
            vault=vault,
        )
        built = svc.build(name, seller)
        validate(built.xml)
        assert b"accountPermanentlyDisabled" in built.xml
        result = svc.submit(built.local_id, views=[], fetch=lambda f: b"benign bytes", actor="lead-reviewer")
        assert result.status == "finished" and len(ncmec.finished()) == 1
    items = vault.items(built.local_id)
    assert {i.kind for i in items} == {"report", "context"}
    report_item = next(i for i in items if i.kind == "report")
    with pytest.raises(AccessDenied):
        vault.read(report_item.item_id, actor="someone", role="reviewer")
    kept = vault.read(report_item.item_id, actor="lead", role="lead")
    assert kept["ncmec_report_id"] == result.ncmec_report_id

    Ingestor(store).ingest(later.folder)
    follow = recheck(store, name, escalate_after_days=7)
    # the later export shows the sellers disabled but not the facilitators: those are still active, escalated
    facilitators = set(truth.members("facilitator"))
    assert follow.tracked == len(sellers | facilitators)
    assert {t.account_id for t in follow.escalate} == facilitators
    assert {s.entity_id for s in store.signals.of_kind("still_active", name)} == facilitators
    found = scan_evasion(store, name)
    right = sum(later.recreated.get(m.account_id) == m.original_account_id for m in found)
    assert right >= 0.9 * len(later.recreated)
    assert len(found) - right <= max(1, 0.02 * len(found))
