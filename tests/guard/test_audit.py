from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bastion.cli import guard_cmd
from bastion.core.model import EntityType, Signal
from bastion.guard.plot import plot_exposure
from bastion.guard.storage import audit_store, guard_state
from bastion.store import Store

from .conftest import PLATFORM, fill_store


def test_exposure_figures_per_network(tiny_store: Store) -> None:
    audit = audit_store(tiny_store)
    assert [n.network_id for n in audit.networks] == ["n1"]
    net = audit.networks[0]
    assert net.members == 3
    b = net.before
    assert (b.impressions, b.viewers, b.minor_impressions, b.minor_viewers) == (5, 3, 2, 1)
    assert (b.followed, b.follows, b.minor_follows) == (3, 2, 1)
    assert net.rec_follows == 1  # kid -> s2; buyer -> s1 is inside the network
    assert net.by_surface == {"suggested_accounts": 2, "explore": 2, "search": 1}
    assert net.after.impressions == 0 and net.after.minor_viewers == 0 and net.after_by_surface == {}


def test_replay_before_after_and_timeline(tiny_store: Store) -> None:
    audit = audit_store(tiny_store)
    assert (audit.impressions, audit.kept) == (8, 2)
    assert (audit.benign_impressions, audit.benign_kept) == (3, 2)  # adam was shown kid, unconnected
    assert audit.removed_by_reason == {"network_member": 5, "minor_for_adult": 1}
    # the one benign loss is the age policy, not a network rule, and the two are reported apart
    assert audit.benign_removed_by_reason == {"minor_for_adult": 1}
    assert audit.benign_drop_age_policy == pytest.approx(audit.benign_drop) and audit.benign_drop > 0
    assert audit.benign_drop_network_rules == 0
    assert audit.weeks == [date(2024, 3, 4), date(2024, 3, 11)]
    assert audit.weekly_before == {"n1": [3, 2]}
    assert audit.weekly_after == {"n1": [0, 0]}
    assert audit.weekly_minor_before == [1, 1]


def test_audit_without_detections_has_no_networks(store: Store) -> None:
    fill_store(store, signals=False)
    audit = audit_store(store)
    assert audit.networks == []
    assert audit.kept == audit.impressions - 1  # only the minor-protection rule applies


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_written(tiny_store: Store, tmp_path: Path, suffix: str) -> None:
    path = plot_exposure(audit_store(tiny_store), tmp_path / f"exposure{suffix}")
    assert path.stat().st_size > 1000
    if suffix == ".svg":
        assert "<svg" in path.read_text(encoding="utf-8")[:500]


def test_state_refreshes_when_network_signals_change(tiny_store: Store) -> None:
    state = guard_state(tiny_store)
    assert not state.snapshot.unsafe[state.snapshot.index["adam"]]
    assert state.refresh_if_stale() is False
    tiny_store.signals.add(
        [Signal(PLATFORM, EntityType.ACCOUNT, "adam", "network_member", "graph", 0.7, {"network_id": "n2"})]
    )
    assert state.refresh_if_stale() is True
    assert state.snapshot.unsafe[state.snapshot.index["adam"]]
    assert state.snapshot.network[state.snapshot.index["adam"]] == "n2"


def test_cli_prints_audit_and_writes_plot_and_json(tiny_store: Store, tmp_path: Path) -> None:
    app = typer.Typer()
    guard_cmd.register(app)
    plot, figures = tmp_path / "e.svg", tmp_path / "e.json"
    result = CliRunner().invoke(
        app,
        ["audit", "recommendations", "--db", tiny_store.url, "--out", str(plot), "--json", str(figures)],
    )
    assert result.exit_code == 0, result.output
    assert "n1" in result.output and "network_member 5" in result.output
    assert plot.exists()
    assert json.loads(figures.read_text())["networks"][0]["before"]["impressions"] == 5


def test_cli_unknown_platform_is_a_clean_error(tiny_store: Store) -> None:
    app = typer.Typer()
    guard_cmd.register(app)
    args = ["audit", "recommendations", "--db", tiny_store.url, "--platform", "nope"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "nope" in result.output
