"""The façade: one store, services built once from the manifests, refresh hooks in pipeline order, the
settings tree validated with the variable named, and plugins that fail reported rather than dropped."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bastion.core.capability import Capability
from bastion.core.errors import ConfigError
from bastion.graph.service import NetworkDetector
from bastion.store import Store
from bastion.store.migrate import alembic_config
from bastion.system import Bastion, installed, plugins, settings_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_one_store_and_services_built_once(tmp_path: Path) -> None:
    with Bastion.open(f"sqlite:///{tmp_path / 'b.db'}") as b:
        assert b.store is b.store
        assert isinstance(b.graph, NetworkDetector) and b.graph is b.graph
        assert b.graph.store is b.store
        with pytest.raises(ConfigError, match="'nope' is not installed"):
            b.service("nope")
    assert b._store is None  # closed with the façade that opened it


def test_an_injected_store_is_not_closed(store: Store) -> None:
    with Bastion(store=store) as b:
        assert b.store is store
    assert store.platforms() is not None  # still open


def test_refresh_runs_the_hooks_before_a_capability_in_order(store: Store) -> None:
    b = Bastion(store=store)
    before_graph = [n.split(":")[0] for n in b.refresh("p", before="graph")]
    everything = [n.split(":")[0] for n in b.refresh("p")]
    ordered = [c.name for c in installed().capabilities if c.refresh is not None]
    assert before_graph == [name for name in ordered if installed().get(name).order < 40]  # type: ignore[union-attr]
    assert everything == ordered


def test_a_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_SECOND_REVIEW_RATE", "often")
    with pytest.raises(ConfigError, match="BASTION_SECOND_REVIEW_RATE"):
        Bastion.open("sqlite://")


def test_a_broken_plugin_is_reported_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Any:
        raise ImportError("No module named 'tmk_hasher'")

    def not_a_capability() -> Any:
        return object()

    extra = Capability(name="extra", summary="a third-party capability", order=95)
    points = [
        SimpleNamespace(name="tmk", value="tmk_plugin:CAPABILITY", load=broken),
        SimpleNamespace(name="odd", value="odd:CAPABILITY", load=not_a_capability),
        SimpleNamespace(name="extra", value="extra:CAPABILITY", load=lambda: extra),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points if group == plugins.GROUP else [])
    installed.cache_clear()
    try:
        found = installed()
        assert found.capabilities[-1] is extra
        details = {p.capability: p.detail for p in found.problems}
        assert "tmk_hasher" in details["tmk"] and "not a bastion" in details["odd"]
    finally:
        installed.cache_clear()


def test_every_migration_branch_belongs_to_a_capability() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    declared = {c.migrations for c in installed().capabilities if c.migrations}
    assert labels == declared


def test_the_readme_documents_every_setting_from_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", text, re.S)
    assert block is not None, "README lost its settings markers"
    assert block.group(1) == settings_markdown(), "run `bastion settings --markdown` into the README"


def test_the_readme_example_runs_end_to_end(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's library example, on a small synthetic platform: ingest, detect, triage, one façade."""
    from support.exports import export

    monkeypatch.setenv("BASTION_ENV", "development")
    folder = export(tmp_path)
    with Bastion.open(db_url) as b:
        summary = b.ingest.ingest(folder)
        run = b.graph.detect()
        stats = b.review.triage()
    assert summary.tables["accounts"].accepted > 0
    assert run.networks and run.flagged > 0
    assert stats.created > 0  # the export's user reports became cases
    assert b._store is None


def test_the_manifests_name_every_declared_signal_kind() -> None:
    """Kinds are found by convention (each capability's kinds.py); the manifests must list the same ones."""
    from bastion.core import signals

    signals.discover()
    in_manifests = {k.name for c in installed().capabilities for k in c.signal_kinds}
    assert in_manifests == {k.name for k in signals.declared()}


def test_every_package_curates_its_public_surface() -> None:
    """Other capabilities may use a package only through its __init__ (the import contract); each one says
    what that is."""
    import importlib
    import pkgutil

    import bastion

    missing = []
    for info in pkgutil.walk_packages(bastion.__path__, "bastion."):
        if info.ispkg and ".migrations" not in info.name:
            module = importlib.import_module(info.name)
            if not isinstance(getattr(module, "__all__", None), list):
                missing.append(info.name)
    assert missing == []


def test_decision_hooks_of_several_capabilities_run_in_order_and_their_effects_add_up(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bastion.core.decision import Decision, DecisionEffects
    from bastion.system.plugins import Installed

    calls: list[str] = []

    def hook(name: str, ids: tuple[int, ...]) -> Any:
        def build(_b: Any) -> Any:
            def handle(conn: Any, decision: Decision, previous: Decision | None) -> DecisionEffects:
                calls.append(name)
                return DecisionEffects(action_ids=ids)

            return handle

        return build

    first = Capability(name="first", summary="", order=1, on_decision=hook("first", (1, 2)))
    second = Capability(name="second", summary="", order=2, on_decision=hook("second", (3,)))
    monkeypatch.setattr(Bastion, "installed", property(lambda self: Installed((first, second), ())))
    handler = Bastion(store=store).decision_handler()
    assert handler is not None
    effects = handler(None, Decision("lee", "r", "c"), None)  # type: ignore[arg-type]
    assert calls == ["first", "second"] and effects.action_ids == (1, 2, 3)
