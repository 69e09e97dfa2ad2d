"""Triage groups by account or detected network, ranks child safety first, and records every report once."""

from __future__ import annotations

from sqlalchemy import func, select

from bastion.review.intake import ReportIn, store_reports
from bastion.review.kinds import CASE_OPEN
from bastion.review.policy import CHILD_SAFETY, CaseFacts, rank
from bastion.review.service import Review
from bastion.store.tables import reports
from bastion.store.tables_review import review_case_reports, review_cases
from review.support import PLATFORM, T0, report, seed_platform


def _send(review: Review, *items: dict[str, object]) -> None:
    store_reports(review.intake_engine, [ReportIn.model_validate(i | {"platform": PLATFORM}) for i in items])


def _cases(review: Review) -> list[dict[str, object]]:
    with review.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(review_cases).order_by(review_cases.c.case_id))]


def test_network_members_share_one_case_and_others_get_their_own(review: Review) -> None:
    seed_platform(review.store, minor="acct-c")
    _send(
        review,
        report("r1", "acct-a"),
        report("r2", "acct-b"),
        report("r3", "acct-c", reason="spam"),
        {**report("r4", "post-1", reason="spam"), "target_type": "post"},
    )
    stats = review.triage()
    assert stats.triaged == 4
    cases = {(c["group_type"], c["group_id"]): c for c in _cases(review)}
    assert set(cases) == {("network", "net-1"), ("account", "acct-c")}
    network = cases[("network", "net-1")]
    assert network["report_count"] == 2 and network["flags"].get("network_member") is True
    assert network["priority"] == 1
    minor_case = cases[("account", "acct-c")]  # the post's owner: reports on posts join the account's case
    assert minor_case["report_count"] == 2 and minor_case["flags"].get("minor") is True


def test_without_network_signals_reports_group_by_target(review: Review) -> None:
    _send(review, report("r1", "x1", reason="spam"), report("r2", "x1", reason="spam"), report("r3", "x2"))
    review.triage()
    cases = _cases(review)
    assert sorted((c["group_id"], c["report_count"]) for c in cases) == [("x1", 2), ("x2", 1)]
    assert min(cases, key=lambda c: c["priority"])["category"] == CHILD_SAFETY
    assert {c["group_id"]: c["category"] for c in cases} == {"x1": "spam", "x2": CHILD_SAFETY}


def test_ingested_reports_are_triaged_and_none_twice(review: Review) -> None:
    with review.engine.begin() as conn:
        from bastion.store.tables import platforms

        conn.execute(platforms.insert().values(name=PLATFORM, first_seen_at=T0))
        conn.execute(
            reports.insert(),
            [
                {
                    "platform": PLATFORM,
                    "report_id": f"i{i}",
                    "reporter_id": "u",
                    "target_type": "account",
                    "target_id": f"t{i % 3}",
                    "reason": "harassment",
                    "created_at": T0,
                }
                for i in range(9)
            ],
        )
    assert review.triage().triaged == 9
    assert review.triage().triaged == 0
    with review.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(review_case_reports)).scalar_one() == 9


def test_priority_order_child_safety_signals_volume() -> None:
    def p(
        category: str, kinds: frozenset[str] = frozenset(), minor: bool = False, n: int = 1
    ) -> tuple[int, float]:
        r = rank(CaseFacts(category, kinds, minor, n, T0, T0))
        return r.priority, r.score

    assert p(CHILD_SAFETY)[0] == 1
    assert p("spam")[0] > p("harassment")[0]
    assert p("harassment", frozenset({"hash_match"}))[1] > p("harassment")[1]
    assert p("harassment", minor=True)[1] > p("harassment")[1]
    assert p("harassment", n=5)[1] > p("harassment", n=1)[1]


def test_one_sweep_joins_open_cases_and_opens_new_ones_each_report_in_its_case(review: Review) -> None:
    """A sweep writes its new cases, its joined cases and their reports in bulk: every report must still
    land in its own group's case, and a joined case must take the new count and the more severe category."""
    _send(review, report("r1", "x1", reason="spam"), report("r2", "x2", reason="spam"))
    review.triage()
    first = {c["group_id"]: c for c in _cases(review)}
    _send(review, report("r3", "x1"), report("r4", "x3", reason="spam"), report("r5", "x2", reason="spam"))
    stats = review.triage()
    assert (stats.triaged, stats.created, stats.joined) == (3, 1, 2)
    cases = {c["group_id"]: c for c in _cases(review)}
    assert {g: c["case_id"] for g, c in cases.items() if g in first} == {
        g: first[g]["case_id"] for g in first
    }
    assert {g: (c["report_count"], c["category"]) for g, c in cases.items()} == {
        "x1": (2, CHILD_SAFETY),
        "x2": (2, "spam"),
        "x3": (1, "spam"),
    }
    with review.engine.connect() as conn:
        linked = dict(
            conn.execute(select(review_case_reports.c.report_id, review_case_reports.c.case_id)).all()
        )
    by_report = {"r1": "x1", "r2": "x2", "r3": "x1", "r4": "x3", "r5": "x2"}
    assert {r: linked[r] for r in by_report} == {r: cases[g]["case_id"] for r, g in by_report.items()}
    assert cases["x1"]["priority"] < first["x1"]["priority"]  # child safety now leads the queue
    # the guards' case_open signals follow: one per case, the joined one carrying its new priority
    held = {s.entity_id: s for s in review.store.signals.of_kind(CASE_OPEN, PLATFORM)}
    assert {a: (s.key, s.evidence["priority"], s.score) for a, s in held.items()} == {
        g: (str(c["case_id"]), c["priority"], 1.0 if c["category"] == CHILD_SAFETY else 0.5)
        for g, c in cases.items()
    }
