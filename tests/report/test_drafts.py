"""A CyberTipline draft opened by a decision references its decision (not free words), builds into a valid
report that shows what the decision did, and once withdrawn by an upheld appeal is never built or sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bastion.core.decision import Decision, Subject
from bastion.core.errors import InputError
from bastion.enforce.decisions import decision_actions
from bastion.enforce.settings import EnforceSettings
from bastion.report.service import CyberTipService
from bastion.store import Store
from bastion.store.decisions import save_decision
from bastion.store.tables import accounts, platforms
from bastion.store.tables_enforce import cybertip_reports

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def decide(store: Store, outcome: str = "violating", previous: Decision | None = None) -> Decision:
    handler = decision_actions()
    with store.engine.begin() as conn:
        decision = save_decision(
            conn,
            Decision(
                "lee",
                "known material",
                "CS-1",
                outcome=outcome,
                category="child_safety",
                platform="p",
                subjects=(Subject("p", "acct-1"),),
            ),
        )
        handler(conn, decision, previous)
    return decision


def test_a_draft_builds_from_its_decision_and_a_withdrawn_one_does_not(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name="p", first_seen_at=T0))
        conn.execute(
            accounts.insert().values(platform="p", account_id="acct-1", created_at=T0, username="u1")
        )
    first = decide(store)
    service = CyberTipService(store, EnforceSettings(env="development"))
    (draft,) = service.drafts("p")
    assert (draft.decision_id, draft.case_ref, draft.status) == (
        first.decision_id,
        f"decision-{first.decision_id}",
        "draft",
    )
    with pytest.raises(InputError, match="build it first"):
        service.submit(draft.local_id, views=[], fetch=lambda f: None, actor="lee")
    built = service.build_draft(draft.local_id)
    assert b"accountPermanentlyDisabled" in built.xml  # the disable the decision caused is in the report
    assert service.report(draft.local_id).status == "built" and service.drafts() == []
    with pytest.raises(InputError, match="not a draft"):
        service.build_draft(draft.local_id)

    second = decide(store)  # a second decision: its own draft, which an overturning decision withdraws
    later = decide(store, "not_violating", previous=second)
    assert later.decision_id is not None
    with store.engine.connect() as conn:
        rows = dict(conn.execute(select(cybertip_reports.c.decision_id, cybertip_reports.c.status)).all())
    assert rows == {
        first.decision_id: "built",
        second.decision_id: "withdrawn",
    }  # a built report is not undone
    with store.engine.connect() as conn:
        withdrawn = conn.scalar(
            select(cybertip_reports.c.local_id).where(cybertip_reports.c.status == "withdrawn")
        )
    with pytest.raises(InputError, match="withdrawn, not a draft"):
        service.build_draft(int(withdrawn or 0))
    with pytest.raises(InputError, match="withdrawn draft"):
        service.submit(int(withdrawn or 0), views=[], fetch=lambda f: None, actor="lee")


def test_the_cli_lists_drafts_and_builds_one(
    store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from bastion.cli.main import app

    monkeypatch.setenv("BASTION_ENV", "development")
    with store.engine.begin() as conn:
        conn.execute(platforms.insert().values(name="p", first_seen_at=T0))
        conn.execute(
            accounts.insert().values(platform="p", account_id="acct-1", created_at=T0, username="u1")
        )
    decision = decide(store)
    run = CliRunner().invoke
    listed = run(app, ["cybertip", "drafts", "--db", db_url])
    assert listed.exit_code == 0, listed.output
    assert "acct-1" in listed.output and "1 draft(s)" in listed.output
    (draft,) = CyberTipService(store, EnforceSettings(env="development")).drafts("p")
    assert draft.decision_id == decision.decision_id
    both = run(app, ["cybertip", "build", "p:acct-1", "--draft", str(draft.local_id), "--db", db_url])
    assert both.exit_code == 2 and "not both" in both.output
    out = tmp_path / "report.xml"
    built = run(app, ["cybertip", "build", "--draft", str(draft.local_id), "--out", str(out), "--db", db_url])
    assert built.exit_code == 0, built.output
    assert b"accountPermanentlyDisabled" in out.read_bytes()
