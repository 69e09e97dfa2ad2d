"""A reviewer's day and a lead's in a real browser (Debian's chromium driven by Playwright), on every backend
the run has: queues that filter and refresh, evidence tiles that say whose and why, a reveal blurred again,
a decision typed before the session ended and restored after logging in again; a lead previews a network
decision from a panel that stays in view, sees what it did, builds and submits the CyberTipline draft to the
local NCMEC stand-in, hands an appeal (with the holder's reason) to a second lead who reverses it, and takes
the network down from its preview page; from a phone-sized screen too. Every page visited is scanned with
axe-core (0 serious or critical violations) and screenshots are kept in test-artifacts/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bastion.api.service import create_app
from bastion.enforce.settings import EnforceSettings
from bastion.report.client import CyberTiplineClient
from bastion.report.service import CyberTipService
from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.system import Bastion
from bastion.web import queue_pages
from enforce.fakes import fake_ncmec
from review.support import PASSWORD, PLATFORM, report
from support.browser import ARGS, CHROMIUM, login, needs_chromium, screenshot, serious_violations, serve
from web.seed import network_case

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = needs_chromium
PHONE = {"width": 375, "height": 800}


def accessible(page: Any, name: str) -> None:
    """Screenshot the page, and fail on any serious or critical axe violation."""
    screenshot(page, name)
    found = serious_violations(page)
    assert found == [], (name, found)


def test_a_reviewers_day(review: Review, live: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_pages, "REFRESH_SECONDS", 1)  # the server runs in this process
    network_case(review, members=12)
    review.auth.add_user("ana", "reviewer", PASSWORD)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context()
            ana = context.new_page()
            ana.on("dialog", lambda d: d.accept())
            login(ana, live, "ana")
            assert "P1 · first decision within 1 h" in ana.locator("main").inner_text()
            assert "child safety always comes first" in ana.locator("[data-testid=why]").first.inner_text()
            assert "1 open" in ana.locator("[data-testid=counts]").inner_text()
            accessible(ana, "reviewer-queues")
            store_reports(
                review.intake_engine,
                [ReportIn.model_validate(report("r-new", "acct-late", "spam", platform=PLATFORM))],
            )
            review.triage()  # a case arrives while the queue is open: the table refreshes itself
            ana.wait_for_selector("[data-testid=counts] >> text=2 open", timeout=10_000)
            ana.fill("input[name=q]", "no-such-account")
            ana.click("text=Filter")
            assert "match these filters" in ana.locator("main").inner_text()
            ana.goto(f"{live}/queues")
            ana.click("[data-testid=next-case]")
            assert "/cases/" in ana.url
            case_url = ana.url
            caption = ana.locator("[data-testid=tile-caption]").first.inner_text()
            assert "acct-000" in caption and "hash match on list demo-known" in caption
            ana.locator("[data-testid=blurred] button").first.click()
            ana.wait_for_selector("[data-testid=revealed]")
            accessible(ana, "reviewer-case-revealed")
            ana.click("[data-testid=reblur]")
            ana.wait_for_selector("[data-testid=revealed]", state="detached")
            assert ana.locator("[data-testid=exposure]").first.inner_text() == "1"  # the reveal still counts

            ana.check("input[value=violating]")
            ana.fill("textarea[name=reason]", "seller with a confirmed hash match")
            (sid,) = [c["value"] for c in context.cookies() if c["name"] == "bastion_session"]
            review.auth.close_session(sid)  # the session ends while the decision is typed
            ana.locator("[data-testid=blurred] button").first.click()  # a failed reveal says so
            assert "session has ended" in ana.locator("[data-testid=request-problem]").inner_text()
            assert ana.locator("[data-testid=revealed]").count() == 0
            ana.click("text=Record decision")
            ana.wait_for_url("**/login?**")
            assert "session has ended" in ana.locator("[role=alert]").inner_text()
            accessible(ana, "login-after-session-ended")
            ana.fill("input[name=name]", "ana")
            ana.fill("input[name=password]", PASSWORD)
            ana.click("button[type=submit]")
            ana.wait_for_url(case_url)
            assert "restored" in ana.locator("#draft-status").inner_text()
            assert ana.input_value("textarea[name=reason]") == "seller with a confirmed hash match"
            assert ana.is_checked("input[value=violating]")
            ana.wait_for_selector("[data-testid=preview-total]")
            ana.click("text=Record decision")
            ana.wait_for_url("**/decisions/**")
            assert "action(s) taken" in ana.locator("[role=status]").inner_text()
            drafts = "Object.keys(sessionStorage).filter(k => k.startsWith('bastion-draft:'))"
            assert ana.evaluate(drafts) == [], ana.evaluate("Object.keys(sessionStorage)")  # done with
            accessible(ana, "reviewer-decision-done")
            ana.click("[data-testid=next-case]")  # straight on to the next case
            ana.wait_for_url("**/cases/**")
            assert "acct-late" in ana.locator("h1 + p").inner_text()
            ana.goto(f"{live}/cybertip")  # a lead's page: refused, as a page
            assert ana.locator("h1").inner_text() == "Not allowed"
            accessible(ana, "error-page")
        finally:
            browser.close()


def test_a_leads_takedown_appeal_and_cybertip_submission(review: Review) -> None:
    network_case(review, members=150)
    for name in ("lee", "lou"):
        review.auth.add_user(name, "lead", PASSWORD)
    token = {"Authorization": f"Bearer {review.auth.create_token(PLATFORM)}"}
    with fake_ncmec() as (ncmec_url, ncmec), sync_api.sync_playwright() as pw:
        ncmec_client = CyberTiplineClient(ncmec_url, "esp", "secret", sleep=lambda s: None)
        reports = CyberTipService(review.store, EnforceSettings(env="development"), client=ncmec_client)
        system = Bastion(store=review.store, services={"review": review, "report": reports})
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            with serve(create_app(system, start_workers=False)) as live:
                lee = browser.new_context().new_page()
                login(lee, live, "lee")
                lee.click("[data-testid=next-case]")
                assert "Members 1–50 of 150" in lee.locator("[data-testid=members]").inner_text()
                lee.click("[data-testid=members-next]")
                lee.wait_for_selector("text=Members 51–100 of 150")
                lee.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # far down the evidence
                assert lee.evaluate("window.scrollY") > 1_000
                panel = "document.querySelector('aside.decide').getBoundingClientRect()"
                assert 0 <= lee.evaluate(f"{panel}.top") < 100  # the decision panel is still in view
                lee.check("input[value=violating]")
                total = lee.locator("[data-testid=preview-total]").inner_text()
                assert "new action(s)" in total and "CyberTipline draft(s)" in total
                accessible(lee, "lead-case-preview")
                lee.locator(".graph").scroll_into_view_if_needed()
                screenshot(lee, "lead-network")
                lee.fill("textarea[name=reason]", "network selling access")
                lee.click("text=Record decision")
                lee.wait_for_url("**/decisions/**")
                promised = int(total.split()[0])
                assert lee.locator("[data-testid=effects] tr").count() == promised + 1
                accessible(lee, "lead-decision-effects")

                lee.goto(f"{live}/cybertip")
                lee.locator("[data-testid=cybertip] a").first.click()
                lee.click("text=Build and validate")
                assert "valid against the schema" in lee.locator("[role=status]").inner_text()
                accessible(lee, "lead-cybertip-built")
                lee.click("text=Submit to the CyberTipline")
                assert lee.locator("[data-testid=cybertip-status]").inner_text() == "finished"
                assert len(ncmec.finished()) == 1

                lee.goto(f"{live}/actions")
                assert "disable_account" in lee.locator("main").inner_text()
                accessible(lee, "lead-actions")
                lee.goto(f"{live}/investigate?q=acct-000")
                lee.locator("[data-testid=found-accounts] a").first.click()
                assert "disable_account" in lee.locator("[data-testid=enforced]").inner_text()
                accessible(lee, "lead-account")
                lee.goto(f"{live}/cybertip")
                case_no = lee.locator("[data-testid=cybertip] td").nth(4).inner_text()
                reason = "the holder says the account was sold and the new owner is unrelated"
                appealed = httpx.post(
                    f"{live}/v1/cases/{case_no}/appeal", json={"reason": reason}, headers=token
                )
                assert appealed.status_code == 200

                phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
                lou = phone.new_page()
                login(lou, live, "lou")
                lou.goto(f"{live}/appeals")
                assert reason in lou.locator("[data-testid=appeals]").inner_text()
                accessible(lou, "phone-appeals")
                lou.locator("[data-testid=appeals] button").click()
                lou.wait_for_url("**/cases/**")
                assert reason in lou.locator("[data-testid=appeal-reason]").inner_text()
                assert lou.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                lou.check("input[value=not_violating]")
                assert "Reverses" in lou.locator("[data-testid=preview]").inner_text()
                lou.fill("textarea[name=reason]", "appeal upheld: ownership changed")
                accessible(lou, "phone-appeal-case")
                lou.click("text=Record decision")
                lou.wait_for_url("**/decisions/**")
                assert "action(s) reversed" in lou.locator("[role=status]").inner_text()

                lou.goto(f"{live}/takedowns/new?network_id=net-9&platform={PLATFORM}")
                assert "150 member(s)" in lou.locator("[data-testid=takedown-summary]").inner_text()
                assert lou.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
                accessible(lou, "phone-takedown-preview")
                lou.fill("textarea[name=reason]", "network confirmed on a second look")
                lou.click("text=Apply takedown")
                lou.wait_for_url("**/takedowns/**")
                assert "action(s) taken" in lou.locator("[role=status]").inner_text()
                accessible(lou, "phone-takedown-status")
                lou.goto(f"{live}/transparency")
                assert (
                    "network(s) dismantled" in lou.locator("[data-testid=transparency-summary]").inner_text()
                )
                accessible(lou, "phone-transparency")
        finally:
            browser.close()
