"""A lead's queues in a real browser (Debian's chromium driven by Playwright), on every backend the run has:
the lead writes a routing rule on the queue rules page, new reports land in that queue (with its count), older
cases follow after "re-route", and the lead ticks cases in the queue, previews one decision for all of them
(each case's actions listed) and confirms, seeing each case's result; a bulk 'not violating' on a network
child-safety case still goes to a second reviewer. Every new page is scanned with axe-core
(0 serious or critical violations) and screenshots are kept in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store.tables_review import review_audit, review_cases, review_queues
from review.support import PASSWORD, PLATFORM, report
from support.browser import ARGS, CHROMIUM, login, needs_chromium, screenshot, serious_violations
from web.seed import network_case

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = needs_chromium


def accessible(page: Any, name: str) -> None:
    screenshot(page, name)
    found = serious_violations(page)
    assert found == [], (name, found)


def reports_in(review: Review, *items: tuple[str, str]) -> None:
    store_reports(
        review.intake_engine,
        [ReportIn.model_validate(report(rid, target, "scam", platform=PLATFORM)) for rid, target in items],
    )
    review.triage()


def queue_names(review: Review) -> dict[str, str]:
    with review.engine.connect() as conn:
        names = {q.queue_id: q.name for q in conn.execute(select(review_queues))}
        return {c.group_id: names[c.queue_id] for c in conn.execute(select(review_cases))}


def test_a_lead_routes_cases_to_a_named_queue_and_decides_them_in_bulk(review: Review, live: str) -> None:
    network_case(review, members=12)
    reports_in(review, ("r-old", "acct-scam-old"))  # arrives before the rule exists
    review.auth.add_user("lee", "lead", PASSWORD)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            lee = browser.new_context().new_page()
            lee.on("dialog", lambda d: d.accept())
            login(lee, live, "lee")
            lee.click("[data-testid=queue-rules-link]")
            lee.wait_for_url("**/queues/rules")
            accessible(lee, "lead-queue-rules")
            form = lee.locator("[data-testid=new-queue]")
            form.locator("input[name=name]").fill("Scams")
            form.locator("input[name=categories][value=scam]").check()
            form.locator("input[name=roles][value=reviewer]").check()
            form.locator("button[type=submit]").click()
            assert "queue 'Scams' created" in lee.locator("[role=status]").inner_text()
            assert "category scam; needs a reviewer" in lee.locator("tr[data-queue=Scams]").inner_text()
            accessible(lee, "lead-queue-rules-saved")

            reports_in(review, ("r-1", "acct-scam-1"), ("r-2", "acct-scam-2"))  # new cases: routed at once
            assert queue_names(review)["acct-scam-old"] == "General"
            lee.click("[data-testid=reroute]")  # the older case follows on request
            assert "1 changed queue" in lee.locator("[role=status]").inner_text()
            assert {queue_names(review)[a] for a in ("acct-scam-old", "acct-scam-1", "acct-scam-2")} == {
                "Scams"
            }
            assert queue_names(review)["net-9"] == "General"

            lee.goto(f"{live}/queues")
            scams = lee.locator("[data-testid=named-queues] li[data-queue=Scams]")
            assert scams.locator("[data-testid=queue-open]").inner_text() == "3"
            scams.locator("a").click()
            assert lee.locator("h1").inner_text() == "Queues: Scams"
            assert lee.locator("tr[data-case]").count() == 3  # only this queue's cases
            accessible(lee, "lead-queue-scams")

            for box in lee.locator("input[form=bulk-decide]").all()[:2]:
                box.check()
            bulk = lee.locator("[data-testid=bulk-form]")
            bulk.locator("select[name=outcome]").select_option("violating")
            bulk.locator("input[name=clause]").fill("SC-1 fraud")
            bulk.locator("textarea[name=reason]").fill("the same advance-fee pattern on both accounts")
            bulk.locator("button[type=submit]").click()
            lee.wait_for_url("**/queues/bulk")
            assert "2 of 2 case(s) can be decided" in lee.locator("[data-testid=bulk-summary]").inner_text()
            preview = lee.locator("[data-testid=bulk-preview]").inner_text()
            assert preview.count("closes") == 2
            accessible(lee, "lead-bulk-preview")
            lee.click("[data-testid=bulk-confirm]")
            lee.wait_for_url("**/queues/bulk/decide")
            assert "2 of 2 case(s) decided" in lee.locator("[role=status]").inner_text()
            results = lee.locator("[data-testid=bulk-results] tr[data-case]")
            assert results.count() == 2
            assert all("decided" in r.inner_text() and "closed" in r.inner_text() for r in results.all())
            accessible(lee, "lead-bulk-results")

            lee.goto(
                f"{live}/queues"
            )  # bulk never skips second review: a strong child-safety 'not violating'
            lee.locator("tr:has-text('net-9') input[form=bulk-decide]").check()
            bulk = lee.locator("[data-testid=bulk-form]")
            bulk.locator("select[name=outcome]").select_option("not_violating")
            bulk.locator("input[name=clause]").fill("CS-4 network participation")
            bulk.locator("textarea[name=reason]").fill("looks unrelated at first sight")
            bulk.locator("button[type=submit]").click()
            lee.wait_for_url("**/queues/bulk")
            assert "go to a second reviewer" in lee.locator("[data-testid=bulk-summary]").inner_text()
            assert "second reviewer, blind" in lee.locator("[data-testid=bulk-preview]").inner_text()
            lee.click("[data-testid=bulk-confirm]")
            lee.wait_for_url("**/queues/bulk/decide")
            assert "sent to a second reviewer" in lee.locator("[data-testid=bulk-results]").inner_text()
        finally:
            browser.close()
    with review.engine.connect() as conn:
        decided = [
            r.details
            for r in conn.execute(select(review_audit).where(review_audit.c.action == "case.decide"))
        ]
    assert len(decided) == 3 and len({d["via"] for d in decided[:2]}) == 1  # one batch, audited per case
    with review.engine.connect() as conn:
        network = conn.execute(select(review_cases).where(review_cases.c.group_id == "net-9")).one()
    assert (network.status, network.stage) == ("open", "second")
