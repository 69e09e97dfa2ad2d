"""Poison pills: a report the database cannot store (NUL, lone surrogate, NaN, Infinity, a huge integer, deep
nesting) is rejected on its own, naming its index and field; the rest of its batch is stored and other
callers, writing at the same time, never notice. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bastion.review.intake import ReportIn
from bastion.review.service import Review
from bastion.review.writer import IntakeWriter
from bastion.store.tables import reports
from review.support import report

#: (raw JSON fragment for the bad item, field the rejection must name)
POISONS = [
    ('"text": "a\\u0000b"', "text"),
    ('"text": "lone \\ud800 half"', "text"),
    ('"extra": {"score": NaN}', "extra.score"),
    ('"extra": {"score": Infinity}', "extra.score"),
    ('"extra": {"score": -Infinity}', "extra.score"),
    ('"extra": {"n": 99999999999999999999999}', "extra.n"),
    ('"extra": {"k\\u0000": 1}', "extra.k\\0"),
    ('"extra": ' + '{"a": ' * 20 + "1" + "}" * 20, "extra.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"),
]


def _count(review: Review, platform: str | None = None) -> int:
    query = select(func.count()).select_from(reports)
    if platform:
        query = query.where(reports.c.platform == platform)
    with review.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _raw(item: dict[str, object], poison: str) -> str:
    return json.dumps(item)[:-1] + ", " + poison + "}"


@pytest.mark.parametrize(("poison", "field"), POISONS)
def test_batch_ok_bad_ok_stores_two_and_names_the_bad_one(
    client: TestClient, review: Review, poison: str, field: str
) -> None:
    headers = {"Authorization": f"Bearer {review.auth.create_token('pinegrove')}"}
    body = "[" + ", ".join([json.dumps(report("r1", "t1")), _raw(report("r2", "t2"), poison),
                            json.dumps(report("r3", "t3"))]) + "]"  # fmt: skip
    answer = client.post("/v1/reports", content=body, headers=headers | {"Content-Type": "application/json"})
    assert answer.status_code == 207, answer.text
    out = answer.json()
    assert (out["stored"], out["rejected"]) == (2, 1)
    bad = out["items"][1]
    assert bad["index"] == 1 and bad["status"] == "rejected" and bad["field"] == field, bad
    assert _count(review) == 2


def test_concurrent_callers_never_notice_poison(client: TestClient, review: Review) -> None:
    good = {p: {"Authorization": f"Bearer {review.auth.create_token(p)}"} for p in ("larkspur", "quillon")}
    bad = {"Authorization": f"Bearer {review.auth.create_token('mallowby')}"}
    codes: list[int] = []
    lock = threading.Lock()

    def send_good(platform: str) -> None:
        for i in range(15):
            answer = client.post(
                "/v1/reports", json=report(f"{platform}-{i}", f"t{i}"), headers=good[platform]
            )
            with lock:
                codes.append(answer.status_code)

    def send_poison() -> None:
        for i in range(15):
            poison, _ = POISONS[i % len(POISONS)]
            body = _raw(report(f"bad-{i}", "t"), poison)
            answer = client.post(
                "/v1/reports", content=body, headers=bad | {"Content-Type": "application/json"}
            )
            assert answer.status_code == 422, answer.text

    threads = [threading.Thread(target=send_good, args=(p,)) for p in good]
    threads += [threading.Thread(target=send_poison) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes.count(201) == 30 == len(codes)
    assert _count(review, "larkspur") == _count(review, "quillon") == 15
    assert _count(review, "mallowby") == 0


def test_a_group_commit_that_fails_fails_only_its_own_request(review: Review) -> None:
    """Defence in depth: if an unstorable report reaches the shared write anyway, only its request fails."""
    writer = IntakeWriter(review.engine)
    ok = [ReportIn.model_validate(report("w1", "t") | {"platform": "larkspur"})]
    poisoned = [ReportIn.model_validate(report("w2", "t", text="a\x00b") | {"platform": "mallowby"})]
    if review.engine.dialect.name == "sqlite":  # SQLite stores NUL: poison it with a non-UTF-8 text
        poisoned[0].text = "lone \ud800"
    later = [ReportIn.model_validate(report("w3", "t") | {"platform": "quillon"})]
    futures: list[Future[list[str]]] = [Future(), Future(), Future()]
    writer._group._commit(
        list(zip([ok, poisoned, later], futures, strict=True))
    )  # one group, as the thread forms it
    assert futures[0].result() == ["stored"] and futures[2].result() == ["stored"]
    assert futures[1].exception() is not None
    assert _count(review) == 2
