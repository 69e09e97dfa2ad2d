"""Failed logins are throttled per address and per account, a guesser cannot lock a reviewer out, and a burst
writes one audit row, not one per attempt."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.api.service import create_app
from bastion.review.service import Review
from bastion.review.throttle import ACCOUNT_FREE, ADDRESS_FREE, FORGET_SECONDS, LoginThrottle
from bastion.store.tables_review import review_audit
from review.support import PASSWORD, add_user, post_login
from support.system import around


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_waits_longer_after_each_failure_then_is_forgiven() -> None:
    clock = Clock()
    t = LoginThrottle(clock)
    for _ in range(ADDRESS_FREE):
        assert t.check("ana", "10.0.0.9") is None
        t.failed("ana", "10.0.0.9")
    hold = t.check("ana", "10.0.0.9")
    assert hold is not None and hold.key == "address" and hold.first_of_burst and hold.wait_seconds == 1.0
    again = t.check("ana", "10.0.0.9")
    assert again is not None and not again.first_of_burst  # the burst is audited once
    clock.now += 1.5
    assert t.check("ana", "10.0.0.9") is None
    t.failed("ana", "10.0.0.9")
    longer = t.check("ana", "10.0.0.9")
    assert longer is not None and longer.wait_seconds == 2.0
    assert t.check("bea", "10.0.0.7") is None  # other addresses and accounts are untouched
    clock.now += FORGET_SECONDS + 1
    assert t.check("ana", "10.0.0.9") is None


def test_the_account_limit_holds_unknown_addresses_not_known_good_ones() -> None:
    clock = Clock()
    t = LoginThrottle(clock)
    t.succeeded("ana", "192.0.2.1")  # ana's own desk
    for i in range(ACCOUNT_FREE):  # a guesser spreads its tries over many addresses
        t.failed("ana", f"198.51.100.{i}")
    hold = t.check("ana", "198.51.100.200")
    assert hold is not None and hold.key == "account"
    assert t.check("ana", "192.0.2.1") is None  # the known-good address still gets in
    assert t.check("ana", "203.0.113.5", trusted=True) is None  # and so does a known-good browser
    assert t.check("bea", "198.51.100.200") is None


def _login(client: TestClient, name: str, password: str) -> tuple[int, str, dict[str, str]]:
    answer = post_login(client, name, password)
    return answer.status_code, answer.headers.get("location", ""), dict(answer.headers)


def _audit_count(review: Review, action: str) -> int:
    with review.engine.connect() as conn:
        query = select(func.count()).select_from(review_audit).where(review_audit.c.action == action)
        return int(conn.execute(query).scalar_one())


def test_a_guessing_burst_is_slowed_audited_once_and_does_not_lock_out_the_reviewer(review: Review) -> None:
    add_user(review, "ana", "reviewer")
    clock = Clock()
    review.auth.throttle.clock = clock
    app = create_app(around(review), start_workers=False)
    base = "http://127.0.0.1"
    with (
        TestClient(app, base_url=base, client=("192.0.2.10", 5000)) as desk,
        TestClient(app, base_url=base, client=("198.51.100.66", 5000)) as guesser,
    ):
        status, where, _ = _login(desk, "ana", PASSWORD)  # ana has logged in from her desk before
        assert "error" not in where
        desk.cookies.delete("bastion_session")
        held = 0
        for i in range(40):
            status, where, headers = _login(guesser, "ana", f"wrong-guess-{i:04d}")
            if "too+many" in where:
                held += 1
                assert int(headers["retry-after"]) >= 1
        assert held >= 40 - ADDRESS_FREE
        assert _audit_count(review, "login.failed") == ADDRESS_FREE
        assert _audit_count(review, "login.throttled") == 1
        status, where, _ = _login(desk, "ana", PASSWORD)  # the reviewer is not locked out
        assert status == 303 and "error" not in where, where


def test_spread_guessing_holds_new_addresses_but_not_a_known_browser(review: Review) -> None:
    add_user(review, "ana", "reviewer")
    review.auth.throttle.clock = Clock()
    app = create_app(around(review), start_workers=False)
    base = "http://127.0.0.1"
    with TestClient(app, base_url=base, client=("192.0.2.10", 5000)) as desk:
        assert "error" not in _login(desk, "ana", PASSWORD)[1]
        device = desk.cookies.get("bastion_known_device")
        assert device
    for n in range(3):  # 3 addresses x 5 tries: under each address limit, over the account limit
        with TestClient(app, base_url=base, client=(f"198.51.100.{n}", 5000)) as guesser:
            for i in range(ADDRESS_FREE):
                _login(guesser, "ana", f"wrong-{n}-{i:04d}")
    with TestClient(app, base_url=base, client=("203.0.113.77", 5000)) as stranger:
        assert "too+many" in _login(stranger, "ana", PASSWORD)[1]  # unknown address: must wait
    with TestClient(
        app, base_url=base, client=("203.0.113.78", 5000), cookies={"bastion_known_device": device}
    ) as laptop:
        assert "error" not in _login(laptop, "ana", PASSWORD)[1]  # ana's browser on a new network
    assert _audit_count(review, "login.throttled") == 1
