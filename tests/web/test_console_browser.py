"""The console in a real browser (Debian's chromium driven by Playwright): log in, claim, reveal one blurred
preview, decide, see the second review, and read the audit log; on every backend the run has."""

from __future__ import annotations

import pytest

from bastion.review.intake import ReportIn, store_reports
from bastion.review.service import Review
from bastion.store.tables import media, posts, signals
from review.support import PASSWORD, PLATFORM, T0, report, seed_platform
from support.browser import ARGS, CHROMIUM, login, needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = needs_chromium


def _case_with_media(review: Review) -> None:
    seed_platform(review.store)
    with review.engine.begin() as conn:
        conn.execute(
            posts.insert().values(platform=PLATFORM, post_id="post-a1", account_id="acct-a", created_at=T0)
        )
        conn.execute(
            media.insert(),
            [
                {"platform": PLATFORM, "post_id": "post-a1", "media_id": f"m{i}", "pdq": f"{i + 1:x}" * 64}
                for i in range(2)
            ],
        )
        conn.execute(
            signals.insert().values(
                platform=PLATFORM,
                entity_type="account",
                entity_id="acct-a",
                kind="hash_match",
                source="media",
                key="k1",
                score=0.95,
                created_at=T0,
                evidence={"post_id": "post-a1", "media_id": "m0", "list": "demo"},
            )
        )
    store_reports(
        review.intake_engine, [ReportIn.model_validate(report("r1", "acct-a") | {"platform": PLATFORM})]
    )
    review.triage()


def test_claim_reveal_decide_second_review_audit(review: Review, live: str) -> None:
    _case_with_media(review)
    for name, role in (("ana", "reviewer"), ("ben", "reviewer"), ("ida", "auditor")):
        review.auth.add_user(name, role, PASSWORD)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            ana = browser.new_context().new_page()
            ana.on("dialog", lambda d: d.accept())
            login(ana, live, "ana")
            ana.click("text=Claim")
            assert "/cases/" in ana.url
            assert ana.locator("[data-testid=blurred]").count() == 2
            assert ana.locator("[data-testid=exposure]").inner_text() == "0"
            ana.locator("[data-testid=blurred] button").first.click()
            ana.wait_for_selector("[data-testid=revealed]")
            assert ana.locator("[data-testid=blurred]").count() == 1  # one at a time
            assert ana.locator("[data-testid=exposure]").first.inner_text() == "1"
            ana.check("input[value=not_violating]")
            ana.fill("textarea[name=reason]", "no match on review")
            ana.click("text=Record decision")
            assert "second reviewer" in ana.locator("[role=status]").inner_text()

            ben = browser.new_context().new_page()
            login(ben, live, "ben")
            ben.click("text=Claim")
            assert "/cases/" in ben.url and ben.locator("text=Earlier decisions").count() == 0  # blind
            ben.check("input[value=violating]")
            ben.fill("textarea[name=reason]", "hash match confirmed")
            ben.click("text=Record decision")
            assert "a lead" in ben.locator("[role=status]").inner_text()  # disagreement goes to a lead

            ida = browser.new_context().new_page()
            login(ida, live, "ida")
            ida.goto(f"{live}/audit")
            assert "Chain intact" in ida.locator("[data-testid=chain]").inner_text()
            body = ida.locator("main").inner_text()
            for action in ("media.reveal", "case.view", "case.decide", "case.claim"):
                assert action in body
        finally:
            browser.close()
