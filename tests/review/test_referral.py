"""A case no one reported: an account (judged alone, even a network's member) or a detected network, put
before review by a reviewer or lead, ranked as triage ranks, audited, and with no report in it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.core.errors import Conflict, InputError, NotFound
from bastion.core.model import EntityType, Signal
from bastion.core.roles import Role
from bastion.review.auth import Principal
from bastion.review.referral import refer
from bastion.review.service import Review
from bastion.review.subjects import network_members
from bastion.store.tables import reports
from bastion.store.tables_review import review_audit
from review.support import PLATFORM, seed_platform

LEAD = Principal("lee", Role.LEAD, "session")


def _verdicts(review: Review, account: str) -> list[float]:
    found = review.store.signals.for_entity(PLATFORM, EntityType.ACCOUNT, account)
    return [s.score for s in found if s.kind == "verdict"]


def test_an_account_referred_alone_is_judged_alone_and_second_reviewed_as_a_member(review: Review) -> None:
    seed_platform(review.store)  # acct-a and acct-b in network net-1
    got = refer(
        review.engine, LEAD, PLATFORM, "follows the network's sellers; a journalist?", account="acct-a"
    )
    assert got["created"] is True
    again = refer(review.engine, LEAD, PLATFORM, "the same, twice", account="acct-a")
    assert again == {"case_id": got["case_id"], "created": False}
    case = review.desk.get(got["case_id"])
    assert (case["group_type"], case["group_id"], case["account_id"]) == ("account", "acct-a", "acct-a")
    assert case["flags"].get("network_member") is True and case["report_count"] == 0
    with review.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == 0  # no report made
        refer_rows = conn.execute(select(review_audit.c.details).where(review_audit.c.action == "case.refer"))
        [details] = [r.details for r in refer_rows]
    assert details["member_of"] == "net-1" and details["reason"].startswith("follows the network's")
    ana, ben = Principal("ana", Role.REVIEWER, "session"), Principal("ben", Role.REVIEWER, "session")
    review.desk.claim(ana, got["case_id"])
    first = review.desk.decide(ana, got["case_id"], "not_violating", "CS-4", "documents the network")
    assert first["stage"] == "second"  # a network member: never one reviewer alone
    review.desk.claim(ben, got["case_id"])
    review.desk.decide(ben, got["case_id"], "not_violating", "CS-4", "a journalist's account")
    assert _verdicts(review, "acct-a") == [0.0] and _verdicts(review, "acct-b") == []  # the one account


def test_a_network_is_referred_whole_and_bad_referrals_are_refused(review: Review) -> None:
    seed_platform(review.store)
    got = refer(review.engine, LEAD, PLATFORM, "found by detection, no report yet", network="net-1")
    case = review.desk.get(got["case_id"])
    assert (case["group_type"], case["group_id"], case["account_id"]) == ("network", "net-1", None)
    with pytest.raises(InputError, match="one of them"):
        refer(review.engine, LEAD, PLATFORM, "both", account="acct-a", network="net-1")
    with pytest.raises(InputError, match="one of them"):
        refer(review.engine, LEAD, PLATFORM, "neither")
    with pytest.raises(NotFound, match="no network 'net-404'"):
        refer(review.engine, LEAD, PLATFORM, "gone", network="net-404")
    with pytest.raises(NotFound, match="no account 'nobody'"):
        refer(review.engine, LEAD, PLATFORM, "unknown", account="nobody")
    with pytest.raises(InputError, match="a reason is required"):
        refer(review.engine, LEAD, PLATFORM, "  ", account="acct-c")


def test_bastion_refer_opens_the_case_from_the_command_line(review: Review) -> None:
    seed_platform(review.store)
    runner = CliRunner()
    args = ["refer", "--account", "acct-c", "--by", "lee", "--reason", "flagged, unreported", "--db"]
    done = runner.invoke(app, [*args, review.store.url])
    assert done.exit_code == 0, done.output
    assert "opened on account acct-c (" in done.output
    again = runner.invoke(app, [*args, review.store.url])
    assert "already open on account acct-c" in again.output
    both = ["refer", "--account", "acct-a", "--account", "acct-b", "--by", "lee", "--reason", "r", "--db"]
    done = runner.invoke(app, [*both, review.store.url])  # each account its own case, none dropped
    assert "opened on account acct-a" in done.output and "opened on account acct-b" in done.output


def test_a_network_case_follows_its_network_into_the_one_it_merged_into_and_an_empty_one_acts_on_no_one(
    review: Review,
) -> None:
    seed_platform(review.store)  # acct-a and acct-b in network net-1
    case_id = int(refer(review.engine, LEAD, PLATFORM, "found by detection", network="net-1")["case_id"])
    # the next run: net-1 merged into net-2, its members' signals name it as merged
    merged = {"network_id": "net-2", "role": "seller", "merged": ["net-1"]}
    review.store.signals.replace(
        "graph",
        "network_member",
        PLATFORM,
        [
            Signal(PLATFORM, EntityType.ACCOUNT, a, "network_member", "graph", 0.8, merged)
            for a in ("acct-a", "acct-c")
        ],
    )
    with review.engine.connect() as conn:
        assert set(network_members(conn, PLATFORM, "net-1")) == {"acct-a", "acct-c"}
    # and then it is gone: a violating decision would act on no one
    review.store.signals.replace("graph", "network_member", PLATFORM, [])
    review.desk.claim(LEAD, case_id)
    with pytest.raises(Conflict, match="would act on no one"):
        review.desk.decide(LEAD, case_id, "violating", "CS-4", "sellers")
    closed = review.desk.decide(LEAD, case_id, "not_violating", "CS-4", "no longer detected")
    assert (closed["stage"], closed["status"]) == ("second", "open")  # a network case: two people close it


def test_clearing_an_account_another_case_found_violating_goes_to_a_lead(review: Review) -> None:
    """A network's case found its members violating; the account's own case clearing it would leave both
    standing (its enforcement and its clearance): a lead decides."""
    seed_platform(review.store)  # acct-a and acct-b in network net-1
    network_case = int(refer(review.engine, LEAD, PLATFORM, "detected", network="net-1")["case_id"])
    review.desk.claim(LEAD, network_case)
    review.desk.decide(LEAD, network_case, "violating", "CS-4", "sells through the network")
    assert _verdicts(review, "acct-a") == [1.0]
    own = int(refer(review.engine, LEAD, PLATFORM, "says it is a journalist", account="acct-a")["case_id"])
    ana, ben = Principal("ana", Role.REVIEWER, "session"), Principal("ben", Role.REVIEWER, "session")
    review.desk.claim(ana, own)
    review.desk.decide(ana, own, "not_violating", "CS-4", "documents the network")
    review.desk.claim(ben, own)
    after = review.desk.decide(ben, own, "not_violating", "CS-4", "a journalist's account")
    assert (after["stage"], after["status"]) == ("lead", "open")  # not closed by two reviewers
    assert _verdicts(review, "acct-a") == [1.0]  # no clearance yet
    with review.engine.connect() as conn:
        rows = conn.execute(select(review_audit.c.details).where(review_audit.c.action == "case.decide"))
        assert [str(network_case)] in [r.details.get("contradicts_cases") for r in rows]
    review.desk.claim(LEAD, own)
    final = review.desk.decide(LEAD, own, "not_violating", "CS-4", "a journalist; lift the network's action")
    assert final["status"] == "closed" and sorted(_verdicts(review, "acct-a")) == [0.0, 1.0]
