"""``Bastion(settings)``: the one entry point. It opens the store once and builds each capability's service
from its manifest on first use; the CLI, the API, the console, the demo and the tests all start here.

    with Bastion.open("sqlite:///bastion.db") as b:
        b.ingest.ingest(Path("export"))
        b.refresh("acme")          # stale term and media scans, before detection reads them
        b.graph.detect("acme")
        b.catchup("acme")          # after live events: only what they touched (scans, networks, triage)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import text

from bastion.core.capability import Capability
from bastion.core.decision import Decision, DecisionEffects, DecisionHandler
from bastion.core.errors import ConfigError
from bastion.store import Store
from bastion.system import settings as settings_tree
from bastion.system.plugins import Installed, installed
from bastion.system.settings import BastionSettings

if TYPE_CHECKING:
    from bastion.graph.catchup import CatchUpRun
    from bastion.graph.service import NetworkDetector
    from bastion.ingest import Ingestor
    from bastion.report.service import CyberTipService
    from bastion.review import Review
    from bastion.terms.service import TermGuard

T = TypeVar("T")
#: PostgreSQL advisory lock key held while a catch-up runs (see ``Bastion._exclusive``).
CATCHUP_LOCK = 727_018
_CATCHUP_LOCK = threading.Lock()


@dataclass(frozen=True)
class PlatformCatchUp:
    """One platform's catch-up: a line per scan hook and what detection did."""

    platform: str
    scans: tuple[str, ...]
    detection: CatchUpRun | None

    def as_json(self) -> dict[str, Any]:
        run = self.detection.as_json() if self.detection is not None else None
        return {"platform": self.platform, "scans": list(self.scans), "detection": run}


@dataclass(frozen=True)
class CatchUpReport:
    """What ``Bastion.catchup`` did on every platform, and the reports triage then placed."""

    platforms: tuple[PlatformCatchUp, ...]
    triaged: int
    cases_created: int

    def lines(self) -> list[str]:
        out = []
        for p in self.platforms:
            out += [f"{p.platform}: {line}" for line in p.scans]
            if p.detection is not None:
                out.append(f"{p.platform}: {p.detection.words()}")
        out.append(f"triage: {self.triaged} report(s), {self.cases_created} new case(s)")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "platforms": [p.as_json() for p in self.platforms],
            "triaged": self.triaged,
            "cases_created": self.cases_created,
        }


def _chain(handlers: list[DecisionHandler]) -> DecisionHandler:
    def run(conn: Any, decision: Decision, previous: Decision | None) -> DecisionEffects:
        effects = [h(conn, decision, previous) for h in handlers]
        return DecisionEffects(
            *(tuple(i for e in effects for i in getattr(e, f.name)) for f in fields(DecisionEffects))
        )

    return run


class Bastion:
    """A store and the capabilities over it. ``services`` injects ready-made ones (a test's ``Review``)."""

    def __init__(
        self,
        settings: BastionSettings | None = None,
        *,
        store: Store | None = None,
        services: Mapping[str, object] | None = None,
    ) -> None:
        self.settings = settings or settings_tree.load(database_url=store.url if store else None)
        self._store = store
        self._owns_store = store is None
        self._services: dict[str, object] = dict(services or {})
        self._built: list[str] = []

    @classmethod
    def open(cls, database_url: str | None = None, **overrides: Any) -> Bastion:
        """From the environment, with ``--db`` (``database_url``) and other core fields winning."""
        return cls(settings_tree.load(database_url=database_url, **overrides))

    # ---- the store and the capabilities -------------------------------------------------------------
    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    @property
    def installed(self) -> Installed:
        return installed()

    def capability(self, name: str) -> Capability:
        cap = self.installed.get(name)
        if cap is None:
            problems = [p.detail for p in self.installed.problems if p.capability == name]
            why = f": {problems[0]}" if problems else ""
            raise ConfigError(f"capability {name!r} is not installed{why}")
        return cap

    def service(self, name: str, kind: type[T] | None = None) -> T:
        """The capability's service, built once from its manifest."""
        if name not in self._services:
            factory = self.capability(name).service
            if factory is None:
                raise ConfigError(f"capability {name!r} has no service")
            self._services[name] = factory(self)
            self._built.append(name)
        return cast(T, self._services[name])

    def section(self, name: str) -> Any:
        """A capability's settings section (``b.section("enforce").still_active_days``)."""
        return self.settings.section(name)

    @property
    def ingest(self) -> Ingestor:
        return self.service("ingest")

    @property
    def terms(self) -> TermGuard:
        return self.service("terms")

    @property
    def graph(self) -> NetworkDetector:
        return self.service("graph")

    @property
    def review(self) -> Review:
        """Review, with what follows a final decision wired in (also into a ``Review`` a test injected)."""
        review: Review = self.service("review")
        if review.desk.on_decision is None:
            review.desk.on_decision = self.decision_handler()
        return review

    def decision_handler(self) -> DecisionHandler | None:
        """Every capability's decision hook, in pipeline order, run in the decision's transaction."""
        handlers = [c.on_decision(self) for c in self.installed.capabilities if c.on_decision is not None]
        if not handlers:
            return None
        if len(handlers) == 1:
            return handlers[0]
        return _chain(handlers)

    @property
    def report(self) -> CyberTipService:
        return self.service("report")

    # ---- the pipeline ------------------------------------------------------------------------------
    def refresh(self, platform: str, *, before: str | None = None) -> list[str]:
        """Run the refresh hook of every capability that comes before ``before`` (all when ``None``), in
        pipeline order, so what a capability reads is current when it runs. One line per hook."""
        limit = self.capability(before).order if before else None
        notes = []
        for cap in self.installed.capabilities:
            if cap.refresh is None or (limit is not None and cap.order >= limit):
                continue
            written = cap.refresh(self.store, platform)
            notes.append(f"{cap.name}: {'up to date' if written == 0 else f'{written} signal(s) refreshed'}")
        return notes

    def catchup(self, platform: str | None = None) -> CatchUpReport:
        """Catch everything up on the live events stored since the last catch-up, on one platform or all:
        the scans over only the new rows (the refresh hooks before graph), then detection over only the
        networks they touch, then triage, so reports about members of a new network join its case."""
        with self._exclusive():
            return self._catchup(platform)

    def _catchup(self, platform: str | None) -> CatchUpReport:
        names = [self.store.resolve_platform(platform)] if platform else self.store.platforms()
        done = []
        for name in names:
            notes = self.refresh(name, before="graph")
            run = self.graph.catch_up(name) if self.installed.get("graph") else None
            done.append(PlatformCatchUp(name, tuple(notes), run))
        triaged = created = 0
        if self.installed.get("review"):
            from bastion.review.triage import triage_pending

            while (stats := triage_pending(self.store.engine)).triaged:
                triaged, created = triaged + stats.triaged, created + stats.created
        return CatchUpReport(tuple(done), triaged, created)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One catch-up at a time: in this process (the schedule and an on-demand call), and on PostgreSQL
        across processes (a session advisory lock), so two never store runs built on the same one."""
        with _CATCHUP_LOCK:
            if self.store.dialect != "postgresql":
                yield
                return
            with self.store.engine.connect() as conn:
                conn.execute(text(f"SELECT pg_advisory_lock({CATCHUP_LOCK})"))
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text(f"SELECT pg_advisory_unlock({CATCHUP_LOCK})"))
                    conn.commit()

    # ---- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop and close what this façade built (and the store, if it opened it)."""
        for name in reversed(self._built):
            closer = getattr(self._services[name], "close", None)
            if callable(closer):
                closer()
        self._built.clear()
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Bastion:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
