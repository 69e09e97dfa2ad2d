"""The operator's guard policy file: messages and help resources, and clear errors when it is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.core.errors import InputError
from bastion.terms.guard import Action, SearchGuard, Viewer
from bastion.terms.lexicon import parse_lexicon_csv
from bastion.terms.matcher import Matcher
from bastion.terms.policy_file import load_policy, policy_from_settings


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_operator_messages_and_resources_reach_the_block(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path,
            {
                "block_categories": ["network_code"],
                "block_message": "Not shown here. Talk to someone who can help.",
                "resources": [{"name": "Example helpline", "url": "https://help.example", "phone": "0800 1"}],
            },
        )
    )
    lexicon = parse_lexicon_csv("lex.csv", text="term,category,severity\nbluefinch,network_code,low\n")
    decision = SearchGuard(Matcher([lexicon]), policy).guard_search(
        "b.l.u.e.f.i.n.c.h", Viewer("a1", "adult")
    )
    assert decision.action is Action.BLOCK
    assert decision.message == "Not shown here. Talk to someone who can help."
    assert [r.name for r in decision.resources] == ["Example helpline"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"see_results_anyway": True}, "see_results_anyway"),
        ({"block_severity": "enormous"}, "block_severity"),
        ({"resources": [{"url": "https://x.example"}]}, "resources[0]"),
        ({"block_categories": "network_code"}, "block_categories"),
    ],
)
def test_bad_policy_names_the_field(tmp_path: Path, data: object, field: str) -> None:
    with pytest.raises(InputError) as info:
        load_policy(_write(tmp_path, data))
    assert info.value.field == field and info.value.file and info.value.file.endswith("policy.json")


def test_contradictions_and_empty_messages_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="both block and warn"):
        load_policy(_write(tmp_path, {"block_categories": ["x"], "warn_categories": ["x"]}))
    with pytest.raises(InputError, match="must not be empty"):
        load_policy(_write(tmp_path, {"block_message": "  "}))


def test_settings_point_at_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_GUARD_POLICY", str(_write(tmp_path, {"warn_message": "careful"})))
    assert policy_from_settings().warn_message == "careful"
    monkeypatch.delenv("BASTION_GUARD_POLICY")
    assert policy_from_settings().resources == ()
