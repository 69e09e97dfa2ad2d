"""The console's pages over HTTP (no browser): a decision previewed from the policy equals what it then
does; network members are paged, not cut; tiles say whose they are and why; an appeal shows the holder's
reason and what it would reverse; a CyberTipline draft is built and submitted to the local NCMEC stand-in;
errors are pages; a lost claim or session keeps the person's place; dead letters make the pipeline
degraded."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.api.service import create_app
from bastion.enforce.actions import ActionService
from bastion.enforce.model import ActionKind, Decision
from bastion.enforce.settings import EnforceSettings
from bastion.enforce.webhook import WebhookDispatcher
from bastion.report.client import CyberTiplineClient
from bastion.report.service import CyberTipService
from bastion.review.kinds import BAD_FAITH_REPORTER
from bastion.review.service import Review
from bastion.store.tables_enforce import enforce_actions
from bastion.system import Bastion
from enforce.fakes import fake_ncmec
from review.support import PLATFORM, add_user, client_for, login
from web.seed import network_case


def _session(client: TestClient, review: Review, name: str, role: str) -> str:
    add_user(review, name, role)
    return login(client, name)


def _actions(review: Review) -> int:
    with review.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(enforce_actions)).scalar_one())


def _claim(client: TestClient, csrf: str) -> int:
    answer = client.post("/cases/next", data={"csrf_token": csrf}, follow_redirects=False)
    found = re.fullmatch(r"/cases/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def _decide(client: TestClient, csrf: str, case_id: int, outcome: str, reason: str) -> str:
    form = {"csrf_token": csrf, "outcome": outcome, "clause": "CS-4 network participation", "reason": reason}
    answer = client.post(f"/cases/{case_id}/decide", data=form, follow_redirects=False)
    assert answer.status_code == 303
    return str(answer.headers["location"])


@pytest.fixture
def lead_client(review: Review) -> Iterator[tuple[TestClient, str]]:
    with client_for(review) as c:
        yield c, _session(c, review, "lee", "lead")


def test_preview_says_what_the_decision_then_does_and_members_are_paged(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    network_case(review, members=150)
    client, csrf = lead_client
    case_id = _claim(client, csrf)
    page = client.get(f"/cases/{case_id}").text
    assert page.index('class="decide"') < page.index(
        'class="evidence"'
    )  # the panel is not after the evidence
    assert "Members 1–50 of 150" in page and "page 1 of 3" in page
    drawn = re.search(r'aria-label="60 members drawn, (\d+) follow links, (\d+) involving', page)
    assert drawn is not None and 0 < int(drawn.group(2)) <= int(drawn.group(1))  # links that matter, counted
    assert "<b>seller</b>: offers or sells access" in page  # a legend with shapes, not colour alone
    assert "hash match on list demo-known, entry 1, distance 4" in page and "Account <b>acct-000</b>" in page
    preview = client.get(f"/cases/{case_id}/preview", params={"outcome": "violating"}).text
    assert _actions(review) == 0  # a preview writes nothing
    promised = int(re.search(r"<b>(\d+)</b> new action", preview).group(1))  # type: ignore[union-attr]
    drafts = int(re.search(r"<b>(\d+)</b> CyberTipline draft", preview).group(1))  # type: ignore[union-attr]
    assert "30 × seller" in preview and drafts == 60  # sellers and facilitators, per the shipped policy
    assert "not close" in client.get(f"/cases/{case_id}/preview", params={"outcome": "escalate"}).text
    last = client.get(f"/cases/{case_id}/members", params={"sort": "role", "page": 3}).text
    assert "Members 101–150 of 150" in last and "Next members" not in last

    where = _decide(client, csrf, case_id, "violating", "sells access")
    assert where.startswith("/decisions/")
    done = client.get(where).text
    assert _actions(review) == promised and f"Actions taken ({promised})" in done
    assert f"{drafts} CyberTipline draft(s)" in done and 'data-clear-draft="case-' in done
    closed = client.get(f"/cases/{case_id}", headers={"Accept": "text/html"}, follow_redirects=False)
    assert closed.status_code == 303 and closed.headers["location"].startswith("/queues")


def test_appeal_shows_the_reason_and_what_a_changed_outcome_reverses(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    network_case(review, members=10)
    client, csrf = lead_client
    case_id = _claim(client, csrf)
    _decide(client, csrf, case_id, "violating", "sells access")
    taken = _actions(review)
    token = {"Authorization": f"Bearer {review.auth.create_token(PLATFORM)}"}
    reason = "the holder says bluefinch is the name of a birdwatching club"
    assert client.post(f"/v1/cases/{case_id}/appeal", json={"reason": reason}, headers=token).is_success

    with client_for(review) as other:
        csrf2 = _session(other, review, "lou", "lead")  # fresh eyes: lee decided the case
        listed = other.get("/appeals").text
        assert reason in listed and "Handle" in listed
        assert _claim(other, csrf2) == case_id
        page = other.get(f"/cases/{case_id}").text
        assert 'data-testid="appeal-reason"' in page and reason in page
        preview = other.get(f"/cases/{case_id}/preview", params={"outcome": "not_violating"}).text
        assert f"Reverses {taken} action(s)" in preview
        upheld = other.get(f"/cases/{case_id}/preview", params={"outcome": "violating"}).text
        assert "upholds the earlier final decision" in upheld
        done = other.get(_decide(other, csrf2, case_id, "not_violating", "appeal upheld")).text
        assert "action(s) reversed" in done
    with review.engine.connect() as conn:
        states = set(conn.scalars(select(enforce_actions.c.state)))
    assert states == {"reversed"}


def test_action_history_and_reversal_page(review: Review, lead_client: tuple[TestClient, str]) -> None:
    network_case(review, members=5)
    (action_id,) = ActionService(review.store).apply(
        PLATFORM, "acct-000", [ActionKind.DISABLE_ACCOUNT], Decision("lee", "sells a list", "CS-1")
    )
    client, csrf = lead_client
    assert f"/actions/{action_id}" in client.get("/actions").text
    form = {"csrf_token": csrf, "reason": "appeal upheld on review", "clause": "appeal upheld"}
    done = client.post(f"/actions/{action_id}/reverse", data=form)
    assert "is now reversed" in done.text and "appeal upheld on review" in done.text
    assert "Reverse this action" not in done.text


def test_a_lead_marks_a_reporter_bad_faith_and_detection_is_told(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    """The mark discounts the reporter in triage (review's own table) and reaches detection as a
    ``bad_faith_reporter`` signal, the only way graph reads review."""
    network_case(review, members=3)
    client, csrf = lead_client
    case_id = _claim(client, csrf)
    form = {"csrf_token": csrf, "platform": PLATFORM, "reporter_id": "grudge-1", "reason": "mass reports"}
    assert client.post(f"/cases/{case_id}/discount", data=form, follow_redirects=False).status_code == 303
    marks = list(review.store.signals.of_kind(BAD_FAITH_REPORTER, PLATFORM))
    assert [(s.entity_id, s.score, s.evidence["marked_by"]) for s in marks] == [("grudge-1", 1.0, "lee")]
    client.post(f"/cases/{case_id}/discount", data=form, follow_redirects=False)  # marked again: still one
    assert len(list(review.store.signals.of_kind(BAD_FAITH_REPORTER, PLATFORM))) == 1


def test_network_takedown_preview_then_apply(review: Review, lead_client: tuple[TestClient, str]) -> None:
    network_case(review, members=12)
    client, csrf = lead_client
    preview = client.get("/takedowns/new", params={"network_id": "net-9", "platform": PLATFORM})
    assert preview.status_code == 200 and "12 member(s)" in preview.text
    n = int(re.search(r"Apply takedown \((\d+) actions\)", preview.text).group(1))  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "network_id": "net-9", "platform": PLATFORM, "reason": "r", "clause": "CS-4"}
    done = client.post("/takedowns", data=form)
    assert done.status_code == 200 and f"{n} action(s) taken" in done.text and _actions(review) == n


def test_a_cybertip_draft_is_built_reviewed_and_submitted(review: Review) -> None:
    network_case(review, members=5)
    add_user(review, "lee", "lead")
    with fake_ncmec() as (url, state):
        ncmec = CyberTiplineClient(url, "esp", "secret", sleep=lambda s: None)
        reports = CyberTipService(review.store, EnforceSettings(env="development"), client=ncmec)
        system = Bastion(store=review.store, services={"review": review, "report": reports})
        with TestClient(create_app(system, start_workers=False), base_url="http://127.0.0.1") as client:
            csrf = login(client, "lee")
            case_id = _claim(client, csrf)
            _decide(client, csrf, case_id, "violating", "sells access")
            listed = client.get("/cybertip").text
            local_id = int(re.search(r'href="/cybertip/(\d+)"', listed).group(1))  # type: ignore[union-attr]
            assert "draft(s) wait for a lead" in listed
            built = client.post(f"/cybertip/{local_id}/build", data={"csrf_token": csrf})
            assert "valid against the schema" in built.text and "&lt;report" in built.text
            sent = client.post(f"/cybertip/{local_id}/submit", data={"csrf_token": csrf})
            assert 'data-testid="cybertip-status">finished' in sent.text, sent.text[:2000]
            assert len(state.finished()) == 1
            others = [
                int(i) for i in re.findall(r'name="local_id" value="(\d+)"', client.get("/cybertip").text)
            ]
            assert local_id not in others and len(others) >= 1  # a finished report is not selectable
            bulk = client.post(
                "/cybertip/bulk", data={"csrf_token": csrf, "action": "build", "local_id": others}
            )
            assert f"{len(others)} report(s) built and valid" in bulk.text
            sent = client.post(
                "/cybertip/bulk",
                data={"csrf_token": csrf, "action": "submit", "local_id": [*others, local_id]},
            )
            assert f"{len(others) + 1} report(s) submitted" in sent.text  # a finished one is left alone
            assert len(state.finished()) == 1 + len(others)
            assert "cybertip.submit" in str([r for r in review_audit_actions(review)])


def review_audit_actions(review: Review) -> list[str]:
    from bastion.review import audit

    return [r["action"] for r in audit.recent(review.engine, 50)]


def test_errors_are_pages_and_an_ended_session_or_claim_keeps_the_place(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    network_case(review, members=5)
    client, csrf = lead_client
    html = {"Accept": "text/html"}
    missing = client.get("/actions/424242", headers=html)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Not found" in missing.text and missing.headers["cache-control"] == "no-store"
    assert client.get("/v1/decisions/424242").json()["error"] == "NotFound"  # the API keeps JSON
    case_id = _claim(client, csrf)
    client.post(f"/cases/{case_id}/release", data={"csrf_token": csrf})
    lost = _decide(client, csrf, case_id, "violating", "typed before the claim ended")
    assert lost.startswith("/queues") and f"case={case_id}" in lost
    assert f"Claim case #{case_id} again" in client.get(lost).text
    with client_for(review) as stranger:
        stranger.cookies.set("bastion_session", "a-session-that-ended")
        ended = stranger.post(
            f"/cases/{case_id}/decide", data={"outcome": "violating"}, headers=html, follow_redirects=False
        )
        assert ended.status_code == 303 and f"next=%2Fcases%2F{case_id}" in ended.headers["location"]
        form = stranger.get(ended.headers["location"]).text
        assert f'name="next" value="/cases/{case_id}"' in form and "session has ended" in form
        evil = stranger.get("/login", params={"next": "//elsewhere.invalid/x"}).text
        assert 'name="next"' not in evil
    with client_for(review) as newcomer:  # never logged in: sent to the form, no talk of a session
        first = newcomer.get("/queues", headers=html, follow_redirects=False).headers["location"]
        assert first == "/login?next=%2Fqueues"


def test_dead_letters_make_the_pipeline_degraded(review: Review, lead_client: tuple[TestClient, str]) -> None:
    network_case(review, members=5)
    client, _ = lead_client
    assert "Pipeline healthy" in client.get("/stats").text
    ActionService(review.store).apply(
        PLATFORM, "acct-000", [ActionKind.DISABLE_ACCOUNT], Decision("lee", "sells a list", "CS-1")
    )
    closed = WebhookDispatcher(review.store, "http://127.0.0.1:9/hook", b"k" * 32, max_attempts=1, timeout=1)
    closed.drain(sleep=lambda _s: None)
    closed.close()
    stats = client.get("/stats").text
    assert "Pipeline DEGRADED" in stats and "1 enforcement action(s) in dead letters" in stats


def test_transparency_page_and_csv_count_what_happened(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    network_case(review, members=10)
    client, csrf = lead_client
    case_id = _claim(client, csrf)
    _decide(client, csrf, case_id, "violating", "sells access")
    taken = _actions(review)
    (action_id,) = ActionService(review.store).apply(
        PLATFORM, "acct-009", [ActionKind.RESTRICT_SEARCH], Decision("lee", "searches", "CS-2")
    )
    ActionService(review.store).reverse(action_id, Decision("lee", "appeal upheld", "appeal"))
    page = client.get("/transparency", params={"platform": PLATFORM})
    assert page.status_code == 200 and "1 network(s) dismantled" in page.text
    answer = client.get("/transparency.csv", params={"platform": PLATFORM, "period": "quarter"})
    assert answer.headers["content-type"].startswith("text/csv")
    import csv

    rows = list(csv.DictReader(answer.text.splitlines()))
    assert all(r["period"][-2:] in ("Q1", "Q2", "Q3", "Q4") and r["platform"] == PLATFORM for r in rows)

    def total(column: str) -> int:
        return sum(int(r[column] or 0) for r in rows)

    assert total("actions") == taken + 1 and total("reversals") == 1 and total("networks_dismantled") == 1
    assert total("reports_received") == 2 and total("cases_opened") == 1  # two sellers reported, one case
    assert total("actions_restrict_search") >= 1 and total("role_seller") >= 1


def test_named_queues_filter(review: Review, lead_client: tuple[TestClient, str]) -> None:
    network_case(review, members=5)
    client, _ = lead_client
    queues = client.get("/queues").text
    assert 'aria-current="page">All open cases' in queues and "net-9" in queues
    appeals = client.get("/queues", params={"stage": "appeal"}).text
    assert 'aria-current="page">Appeals' in appeals and "net-9" not in appeals and "showing 0 of 1" in appeals
    assert "net-9" not in client.get("/queues", params={"overdue": "1"}).text  # due in an hour, not overdue


def test_investigation_finds_an_account_and_reads_it_whole(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    network_case(review, members=10)
    client, csrf = lead_client
    case_id = _claim(client, csrf)
    _decide(client, csrf, case_id, "violating", "sells access")
    found = client.get("/investigate", params={"q": "ACCT-00"}).text
    assert found.count("/accounts/pinegrove/acct-00") == 10  # case-insensitive, every match listed
    assert "net-9 on pinegrove: 10 member(s)" in client.get("/investigate", params={"q": "net-9"}).text
    by_hash = client.get("/investigate", params={"q": "1" * 16}).text
    assert "post post-acct-000" in by_hash
    page = client.get("/accounts/pinegrove/acct-000").text
    assert "seller in net-9" in page and f"#{case_id}" in page and "disable_account" in page
    assert "hash_match" in page
    from bastion.review import audit

    assert audit.recent(review.engine, 1)[0]["action"] == "account.view"
    with client_for(review) as rev:
        _session(rev, review, "rita", "reviewer")
        assert rev.get("/investigate", params={"q": "acct"}).status_code == 403  # leads investigate


def test_a_lead_opens_a_case_no_one_reported_from_the_account_page(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    """The journalist detection flags and no one reports: a lead puts the account alone before review."""
    network_case(review, members=4)
    client, csrf = lead_client
    page = client.get("/accounts/pinegrove/acct-001").text
    assert 'data-testid="refer"' in page and '<option value="net-9">network net-9</option>' in page
    form = {"csrf_token": csrf, "reason": "follows the sellers; a journalist?", "network_id": ""}
    done = client.post("/accounts/pinegrove/acct-001/refer", data=form, follow_redirects=False)
    assert done.status_code == 303 and "case+" in done.headers["location"]
    after = client.get(done.headers["location"]).text
    assert "opened" in after and "account acct-001" in after
    again = client.post("/accounts/pinegrove/acct-001/refer", data=form).text
    assert "already open" in again
    no_token = client.post("/accounts/pinegrove/acct-001/refer", data={"reason": "x"}, follow_redirects=False)
    assert no_token.status_code in (400, 403)


def test_a_lead_releases_the_claims_of_an_absent_reviewer(
    review: Review, lead_client: tuple[TestClient, str]
) -> None:
    network_case(review, members=5)
    client, csrf = lead_client
    with client_for(review) as away:
        case_id = _claim(away, _session(away, review, "rita", "reviewer"))
    queues = client.get("/queues").text
    assert f'name="case_id" value="{case_id}"' in queues and "Release the selected claims" in queues
    done = client.post("/queues/release", data={"csrf_token": csrf, "case_id": [case_id]})
    assert "1 claim(s) released" in done.text
    from bastion.review import audit

    (row,) = [r for r in audit.recent(review.engine, 5) if r["action"] == "case.release"]
    assert row["details"] == {"claim_of": "rita", "by_lead": True}
    assert _claim(client, csrf) == case_id  # back in the queue
