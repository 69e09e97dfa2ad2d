from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bastion.core.errors import ConfigError
from bastion.terms.guard import Action, GuardPolicy, HelpResource, SearchGuard, Viewer, guard_search
from bastion.terms.lexicon import Lexicon
from bastion.terms.matcher import Matcher

LEX = Lexicon.of(
    "g", [("bluefinch", "cat_block", 4), ("tidelamp", "cat_warn", 2), ("marblecrow", "cat_low", 1)]
)
RES = (HelpResource("Support line", "https://help.example.org", "0800 000 000"),)


def _guard(**kw: object) -> SearchGuard:
    policy = GuardPolicy(
        block_categories=frozenset({"cat_block"}),
        warn_categories=frozenset({"cat_warn"}),
        warn_severity=None,
        block_message="Operator deterrence text.",
        resources=RES,
        **kw,  # type: ignore[arg-type]
    )
    return SearchGuard(Matcher([LEX]), policy, clock=lambda: datetime(2024, 1, 1, tzinfo=UTC))


def test_block_has_message_resources_event_and_no_bypass() -> None:
    d = guard_search("b1uef!nch videos", Viewer("acct-9", session_id="s1"), _guard())
    assert d.action is Action.BLOCK
    assert d.can_proceed is False
    assert d.message == "Operator deterrence text." and d.resources == RES
    assert d.event is not None and d.event.account_id == "acct-9" and d.event.session_id == "s1"
    assert d.event.categories == ("cat_block",) and "leet" in d.event.evasions
    # no field anywhere on the decision or policy can turn a block into "see results anyway"
    names = {f.name for f in dataclasses.fields(d)} | {f.name for f in dataclasses.fields(GuardPolicy)}
    assert not any("bypass" in n or "proceed" in n or "anyway" in n for n in names)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.action = Action.WARN  # type: ignore[misc]


def test_warn_allows_proceeding_but_blocks_minors() -> None:
    g = _guard()
    adult = g.guard_search("tidelamp", Viewer("a", age_band="adult"))
    assert adult.action is Action.WARN and adult.can_proceed and adult.event is not None
    minor = g.guard_search("tidelamp", Viewer("m", age_band="minor"))
    assert minor.action is Action.BLOCK and not minor.can_proceed


def test_allow_when_nothing_or_low_matches() -> None:
    g = _guard()
    for q in ("weather tomorrow", "marblecrow"):
        d = g.guard_search(q, Viewer("a"))
        assert d.action is Action.ALLOW and d.event is None and d.can_proceed


def test_block_wins_over_warn_in_one_query() -> None:
    assert _guard().guard_search("tidelamp bluefinch", Viewer("a")).action is Action.BLOCK


def test_policy_rejects_contradictions() -> None:
    with pytest.raises(ConfigError):
        GuardPolicy(block_categories=frozenset({"x"}), warn_categories=frozenset({"x"}))
    with pytest.raises(ConfigError):
        GuardPolicy(block_message="  ")
