"""The manifest a capability declares once, so the façade, the CLI, the API and the demo find it there.

A capability (terms, media, graph, …) is a package with one ``plugin.py`` holding a :class:`Capability`.
Everything an adapter needs from it is named here: its service, its settings section, its CLI commands,
its API router, its demo steps, the refresh hook to run when its inputs changed, its background jobs,
what it does when a reviewer's decision is final, the signal kinds it writes and its migration branch.
Adapter pieces are loaders (functions that import when called), so building the library never imports
typer or FastAPI code it does not use, and a missing optional dependency surfaces as an error naming the
capability instead of a silent gap.

Third-party capabilities register the same object under the ``bastion.capabilities`` entry point group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from typing import Any

from bastion.core.decision import DecisionHandler
from bastion.core.signals import SignalKind

#: ``register(typer_app)``: adds the capability's commands to the ``bastion`` command.
CommandLoader = Callable[[Any], None]
#: Returns the capability's FastAPI router (imported only when the service is built).
RouterLoader = Callable[[], Any]
#: ``step(demo_context)``: one titled step of the end-to-end demo.
DemoStep = Callable[[Any], None]
#: ``refresh(store, platform) -> rows written``: bring this capability's stored signals up to date.
RefreshHook = Callable[[Any, str], int]
#: Builds, from the façade, what runs inside a final review decision's transaction (enforcement's actions).
DecisionHook = Callable[[Any], DecisionHandler]


@dataclass(frozen=True)
class Job:
    """Background work the service repeats on a timer: ``run(bastion)`` is one pass over the façade,
    ``every(bastion)`` its period in seconds (read from settings, so an operator can change it).

    Jobs run on the elected leader only (:mod:`bastion.system.leader`), so triage, syncs and deliveries run
    once however many workers and machines serve the API. A leader can die mid-pass and the next one repeats
    the pass, so every pass must be idempotent.
    """

    name: str
    run: Callable[[Any], object]
    every: Callable[[Any], float]


@dataclass(frozen=True)
class OptionalFeature:
    """A feature that needs a package not every install has (``pyspark`` for the Spark engine)."""

    feature: str
    module: str
    install: str

    def available(self) -> bool:
        return find_spec(self.module) is not None


@dataclass(frozen=True)
class Capability:
    """One capability, declared once.

    ``order`` places it in the pipeline (ingest 10 … report 70): refresh hooks, demo steps and CLI help
    follow it, so what a capability reads is brought up to date before it runs.
    """

    name: str
    summary: str
    order: int
    service: Callable[[Any], object] | None = None  # built from the façade (store + settings) on first use
    settings: dict[str, type[Any]] = field(default_factory=dict)  # section name -> pydantic settings class
    commands: CommandLoader | None = None
    router: RouterLoader | None = None
    demo: tuple[tuple[str, DemoStep], ...] = ()
    refresh: RefreshHook | None = None
    on_decision: DecisionHook | None = None  # acts on final decisions, in their unit of work
    signal_kinds: tuple[SignalKind, ...] = ()  # the kinds of signal this capability writes (its kinds.py)
    migrations: str | None = None  # its alembic branch label
    jobs: tuple[Job, ...] = ()  # background work, run by the leader (bastion.system.jobs)
    optional: tuple[OptionalFeature, ...] = field(default=())

    def missing(self) -> list[OptionalFeature]:
        """Optional features whose package is not installed, to report (never to swallow)."""
        return [o for o in self.optional if not o.available()]
