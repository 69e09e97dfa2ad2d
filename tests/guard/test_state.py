from __future__ import annotations

from dataclasses import dataclass, field

from bastion.guard.filter import RecommendationGuard
from bastion.guard.state import Detections, GuardState, PlatformBase

from .conftest import MEMBERS, tiny_base


@dataclass
class FakeSource:
    platform: str = "tinybook"
    members: dict[str, str] = field(default_factory=dict)
    base_loads: int = 0

    def base_version(self) -> object:
        return 1

    def detections_version(self) -> object:
        return tuple(sorted(self.members.items()))

    def load_base(self) -> PlatformBase:
        self.base_loads += 1
        return tiny_base()

    def load_detections(self) -> Detections:
        return Detections(dict(self.members))


def test_refresh_only_when_detections_change_and_graph_loaded_once() -> None:
    source = FakeSource()
    state = GuardState(source)
    guard = RecommendationGuard(state)
    assert guard.filter("adam", ["s1"]).kept == ["s1"]
    assert state.refresh_if_stale() is False
    source.members.update(MEMBERS)
    assert guard.filter("adam", ["s1"]).kept == ["s1"]  # stale until refreshed
    assert state.refresh_if_stale() is True
    assert guard.filter("adam", ["s1"]).kept == []
    assert state.refresh_if_stale() is False
    assert source.base_loads == 1
    assert state.rebuilds == 2


def test_check_every_skips_watermark_queries_until_due() -> None:
    source = FakeSource()
    state = GuardState(source, check_every=3600.0)
    guard = RecommendationGuard(state)
    assert guard.filter("adam", ["s1"]).kept == ["s1"]
    source.members.update(MEMBERS)
    assert state.refresh_if_stale() is False  # not due yet: the change waits
    assert guard.filter("adam", ["s1"]).kept == ["s1"]
    state.check_every = 0.0
    assert state.refresh_if_stale() is True
    assert guard.filter("adam", ["s1"]).kept == []
