"""Signal kinds: declared once, equal to their stored name, looked up with defaults, read back typed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bastion.core.errors import InputError
from bastion.core.model import EntityType, Signal
from bastion.core.signals import (
    DEFAULT_TRIAGE_WEIGHT,
    ON_ACCOUNTS,
    UNKNOWN_MAX_LLR,
    KindConflict,
    SignalKind,
    declared,
    lookup,
    named,
    register,
    unregister,
)
from bastion.store import Store


def test_a_kind_is_its_name_for_comparisons_dicts_and_storage() -> None:
    kind = SignalKind("bluefinch_seen", member_rate=0.2)
    assert kind == "bluefinch_seen" and kind == SignalKind("bluefinch_seen")
    assert kind != "tidelamp_seen" and kind != 3
    assert {kind: 1.0}["bluefinch_seen"] == 1.0 and "bluefinch_seen" in {kind}
    assert str(kind) == "bluefinch_seen"
    assert kind.describe(0.5) == "bluefinch_seen (strength 0.50)"
    with pytest.raises(ValueError, match="member_rate"):
        SignalKind("bad", member_rate=1.0)
    with pytest.raises(ValueError, match="name"):
        SignalKind(" padded")


def test_lookup_gives_declared_hints_or_a_weak_default() -> None:
    unknown = lookup("nobody_declares_this")
    assert unknown.evidence and unknown.max_llr == UNKNOWN_MAX_LLR
    assert unknown.triage_weight == DEFAULT_TRIAGE_WEIGHT and not unknown.raises_severity
    (kind,) = register(SignalKind("bluefinch_declared", triage_weight=0.2))
    try:
        assert lookup("bluefinch_declared") is kind and named("bluefinch_declared") is kind
        assert register(SignalKind("bluefinch_declared", triage_weight=0.2)) == (kind,)  # idempotent
        with pytest.raises(KindConflict):
            register(SignalKind("bluefinch_declared", triage_weight=0.9))
    finally:
        unregister(kind)
    assert lookup("bluefinch_declared").triage_weight == DEFAULT_TRIAGE_WEIGHT


def test_builtin_kinds_are_declared_by_their_capabilities() -> None:
    names = {k.name for k in declared()} | {lookup("hash_match").name}
    hints = {k.name: k for k in map(lookup, names)}
    assert hints["hash_match"].member_rate == 0.05 and hints["hash_match"].max_llr == 6.0
    assert hints["blocked_search"].side == "buyer"
    assert not any(hints[k].evidence for k in ("network_member", "verdict", "case_open"))
    assert not any(lookup(k).evidence for k in ("evasion", "still_active", "contact_guard"))


def test_declarations_load_without_importing_their_capability() -> None:
    """Hints do not depend on import order: the first miss loads every capability's ``kinds`` module."""
    code = (
        "import sys; from bastion.core.signals import lookup; "
        "assert 'bastion.media' not in sys.modules; "
        "print(lookup('hash_match').triage_weight, lookup('network_member').evidence)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["0.35", "False"]


def test_signals_store_the_name_and_read_back_the_declared_kind(store: Store) -> None:
    (kind,) = register(SignalKind("bluefinch_stored", means="stored in a test"))
    try:
        store.signals.add([Signal("p", EntityType.ACCOUNT, "a", kind, "test", 0.5)])
        store.signals.add([Signal("p", EntityType.ACCOUNT, "a", "bluefinch_named", "test", 0.5)])
        got = {s.kind.name: s.kind for s in store.signals.for_entity("p", EntityType.ACCOUNT, "a")}
        assert got["bluefinch_stored"] is kind
        assert got["bluefinch_named"].means == SignalKind("x").means  # undeclared: the default kind
        assert [k.name for k in store.signals.kinds("p")] == ["bluefinch_named", "bluefinch_stored"]
        assert store.signals.count(kind) == 1
        assert set(store.signals.first_seen("p", ["a", "b"])) == {"a"}
        assert store.signals.first_seen("p", ["a"], excluding=[kind, named("bluefinch_named")]) == {}
        assert store.signals.replace("test", kind, "p", []) == 0
        assert store.signals.count(kind) == 0
        on_accounts = SignalKind("bluefinch_on_accounts", attaches_to=ON_ACCOUNTS)
        with pytest.raises(InputError, match="attach to account, not to a post"):
            store.signals.add([Signal("p", EntityType.POST, "x", on_accounts, "test", 0.5)])
    finally:
        unregister(kind)
