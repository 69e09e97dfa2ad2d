"""In a real browser (Debian's chromium driven by Playwright), under the service's Content-Security-Policy:
/docs renders every operation of the OpenAPI 3.1 document, and Back after logout shows no evidence."""

from __future__ import annotations

import pytest

from bastion.review.service import Review
from review.support import PASSWORD, report
from support.browser import ARGS, CHROMIUM, login, needs_chromium

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = needs_chromium


def test_docs_render_and_back_after_logout_shows_no_evidence(review: Review, live: str) -> None:
    import httpx

    token = review.auth.create_token("pinegrove")
    sent = httpx.post(
        f"{live}/v1/reports",
        json=report("r1", "acct-ivyline", text="ivyline note"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 201
    review.triage()
    review.auth.add_user("ana", "reviewer", PASSWORD)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_context().new_page()
            refused: list[str] = []
            page.on(
                "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
            )
            login(page, live, "ana")
            operations = sum(
                len(ops) for ops in page.request.get(f"{live}/openapi.json").json()["paths"].values()
            )
            page.goto(f"{live}/docs")
            page.wait_for_selector(".opblock", timeout=20_000)
            assert page.locator(".opblock").count() == operations >= 30  # every operation of the 3.1 document
            assert page.locator("text=Unable to render this definition").count() == 0
            assert refused == []
            page.goto(f"{live}/queues")
            page.click("text=Claim")
            assert "/cases/" in page.url and "ivyline note" in page.content()
            page.click("text=Log out")
            page.wait_for_url(f"{live}/login")
            page.go_back()
            page.wait_for_load_state()
            assert "ivyline note" not in page.content()  # fetched again (no-store): the login form
        finally:
            browser.close()
