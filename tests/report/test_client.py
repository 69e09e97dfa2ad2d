"""The CyberTipline client and service against a local fake of NCMEC's protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bastion.enforce.settings import EnforceSettings
from bastion.report.case import exchanges
from bastion.report.client import CyberTipError, CyberTiplineClient
from bastion.report.service import CyberTipService
from bastion.store import Store
from enforce.fakes import NcmecState, fake_ncmec
from enforce.world import small_world


def _client(url: str, **kw: object) -> CyberTiplineClient:
    return CyberTiplineClient(url, "esp", "secret", sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def test_status_auth_and_server_errors_retry() -> None:
    from bastion.report.xml import CyberTipCase, ReportedUser, Reporter, build_report

    valid = build_report(
        CyberTipCase("c", "p", datetime.now(UTC), Reporter("a@example.invalid"), ReportedUser("u"))
    )
    with fake_ncmec(NcmecState(fail_submits=2)) as (url, state):
        assert _client(url).status().ok
        with pytest.raises(CyberTipError, match="credentials"):
            CyberTiplineClient(url, "esp", "wrong").status()
        r = _client(url, attempts=3).submit(valid)  # two 1000 answers, then success
        assert r.ok and r.report_id and state.calls.count("/submit") == 3
        state.fail_submits = 5
        with pytest.raises(CyberTipError) as gave_up:
            _client(url, attempts=2).submit(valid)
        assert gave_up.value.code == 1000
        state.fail_submits = 0
        assert _client(url).submit(b"<report/>").code == 4100  # NCMEC's answer to a non-conforming document


def _seller_with_hash_match(store: Store, tmp: Path) -> tuple[str, str]:
    from sqlalchemy import select

    from bastion.core.model import EntityType, Signal
    from bastion.store.tables import media, posts

    platform, _ = small_world(store, tmp)
    seller = platform.truth.members("seller")[0]
    with store.engine.connect() as conn:
        rows = list(
            conn.execute(
                select(media.c.post_id, media.c.media_id)
                .join(posts, posts.c.post_id == media.c.post_id)
                .where(posts.c.account_id == seller)
                .limit(2)
            )
        )
    store.signals.add(
        Signal(
            platform.truth.platform,
            EntityType.ACCOUNT,
            seller,
            "hash_match",
            "media",
            1.0,
            {
                "list": "demo-known",
                "entry_id": 1,
                "distance": 3,
                "post_id": r.post_id,
                "media_id": r.media_id,
            },
            key=f"{r.post_id}:{r.media_id}",
        )
        for r in rows
    )
    return platform.truth.platform, seller


def test_submit_uploads_describes_finishes_and_logs_exactly(store: Store, tmp_path: Path) -> None:
    p, seller = _seller_with_hash_match(store, tmp_path)
    with fake_ncmec() as (url, state):
        svc = CyberTipService(store, EnforceSettings(env="development"), client=_client(url))
        built = svc.build(p, seller)
        result = svc.submit(built.local_id, views=[], fetch=lambda f: b"benign synthetic bytes", actor="rev")
        assert result.status == "finished" and result.files_sent >= 1
        (report,) = state.finished()
        assert report.xml == built.xml  # byte for byte what was built and validated
        assert all(f["details"] is not None for f in report.files.values())
        steps = [e["step"] for e in exchanges(store, built.local_id)]
        assert steps[0:2] == ["build", "submit"] and steps[-1] == "finish"
        assert svc.report(built.local_id).ncmec_report_id == report.report_id
        again = svc.submit(built.local_id, views=[], fetch=lambda f: b"x", actor="rev")
        assert again.files_sent == 0 and len(state.reports) == 1  # finished: nothing re-sent


def test_an_expired_open_report_is_resubmitted_not_lost(store: Store, tmp_path: Path) -> None:
    p, seller = _seller_with_hash_match(store, tmp_path)
    clock = {"now": datetime.now(UTC)}
    with fake_ncmec(NcmecState(clock=lambda: clock["now"])) as (url, _state):
        svc = CyberTipService(store, EnforceSettings(env="development"), client=_client(url))
        built = svc.build(p, seller)
        calls = {"n": 0}

        def fetch_then_stall(_f: object) -> bytes:
            calls["n"] += 1
            if calls["n"] == 1:
                clock["now"] += timedelta(hours=25)  # NCMEC deletes the open report meanwhile
            return b"bytes"

        with pytest.raises(CyberTipError, match="expired"):
            svc.submit(
                built.local_id, views=[], fetch=fetch_then_stall, actor="rev", now=lambda: clock["now"]
            )
        assert svc.report(built.local_id).status == "expired"
        result = svc.submit(
            built.local_id, views=[], fetch=lambda f: b"bytes", actor="rev", now=lambda: clock["now"]
        )
        assert result.status == "finished"
        ids = [e["ncmec_report_id"] for e in exchanges(store, built.local_id) if e["step"] == "submit"]
        assert len(ids) == 2 and ids[0] != ids[1] and result.ncmec_report_id == ids[1]
