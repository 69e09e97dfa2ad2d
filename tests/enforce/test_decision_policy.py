"""The operator's decision policy: the shipped default reads, a copy can change it, and every mistake names
the file and the field that holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.core.errors import InputError
from bastion.enforce.decision_policy import DEFAULT_POLICY, load_decision_policy
from bastion.enforce.model import ActionKind


def test_the_default_policy_reads_and_falls_back_to_any_category() -> None:
    policy = load_decision_policy()
    assert policy.source == str(DEFAULT_POLICY)
    seller = policy.plan("violating", "child_safety", "seller")
    assert ActionKind.DISABLE_ACCOUNT in seller.kinds and seller.cybertip_draft
    spam = policy.plan("violating", "spam", "subject")
    assert spam.kinds == (ActionKind.REMOVE_CONTENT, ActionKind.NOTIFY) and not spam.cybertip_draft
    assert policy.plan("not_violating", "child_safety", "seller").kinds == ()


def test_an_operator_file_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[violating.scam]\nsubject = ["disable_account", "disable_account", "notify"]\n')
    policy = load_decision_policy(path)
    assert policy.plan("violating", "scam", "subject").kinds == (
        ActionKind.DISABLE_ACCOUNT,
        ActionKind.NOTIFY,
    )
    assert policy.plan("violating", "spam", "subject").kinds == ()  # no "*" table: nothing


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (
            '[violating.spam]\nsubject = ["ban_forever"]\n',
            "violating.spam.subject",
            "unknown action 'ban_forever'",
        ),
        ('[violating.spam]\nlurker = ["notify"]\n', "violating.spam.lurker", "unknown role"),
        ('[upheld.spam]\nsubject = ["notify"]\n', "upheld", "unknown outcome"),
        ('[violating.spam]\nsubject = "notify"\n', "violating.spam.subject", "list of action names"),
        ("[violating]\nspam = 3\n", "violating.spam", "table of roles"),
        ('violating = "all"\n', "violating", "table of categories"),
    ],
)
def test_bad_input_names_the_file_and_the_field(tmp_path: Path, text: str, field: str, words: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_decision_policy(path)
    assert caught.value.file == str(path) and caught.value.field == field
    assert str(path) in str(caught.value) and repr(field) in str(caught.value) and words in str(caught.value)


def test_unreadable_or_broken_files_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[violating.spam\n")
    with pytest.raises(InputError, match="not valid TOML") as caught:
        load_decision_policy(broken)
    assert caught.value.file == str(broken)
    with pytest.raises(InputError, match="cannot read") as missing:
        load_decision_policy(tmp_path / "absent.toml")
    assert missing.value.file == str(tmp_path / "absent.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[violating.spam]\n# caf\xe9\nsubject = ["notify"]\n'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as encoded:
        load_decision_policy(latin)
    assert encoded.value.file == str(latin)
