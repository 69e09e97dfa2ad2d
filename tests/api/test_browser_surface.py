"""In a real browser (Debian's chromium driven by Playwright), under the service's Content-Security-Policy:
/docs renders every operation of the OpenAPI 3.1 document, and Back after logout shows no evidence."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from bastion.api.service import create_app
from bastion.review.service import Review
from review.support import PASSWORD, report

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


@pytest.fixture
def live(review: Review) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(
        create_app(review, start_workers=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _login(page: object, base: str, name: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("input[name=name]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


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
            _login(page, live, "ana")
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
