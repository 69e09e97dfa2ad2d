"""Database wiring, write side: run detection on a stored platform, keep runs/networks/members, serve them.

Writes (documented kind/source): one ``Signal(kind="network_member", source="graph")`` per member account,
score = member score, evidence = role, network, run and the member's evidence list; a new run replaces the
previous run's member signals for the platform, so accounts no longer in a network stop being flagged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import insert

from bastion.core.errors import ConfigError
from bastion.core.model import EntityType, Signal
from bastion.core.timefmt import utcnow
from bastion.graph.domains import BenignDomains
from bastion.graph.facts import with_facts
from bastion.graph.kinds import NETWORK_MEMBER
from bastion.graph.lineage import absorbed, continued
from bastion.graph.load import LoadedPlatform, build_platform, stored_seeds
from bastion.graph.network import Network
from bastion.graph.pipeline import DetectConfig, Detection, detect
from bastion.graph.reader import Dossier, DossierMember, NetworkReader, NetworkSummary
from bastion.graph.tables_state import PlatformTables
from bastion.graph.verdicts import current_weights
from bastion.store import Store
from bastion.store.tables_graph import graph_members, graph_networks, graph_runs

if TYPE_CHECKING:
    from bastion.graph.catchup import CatchUpRun

KIND = NETWORK_MEMBER
SOURCE = "graph"
#: Detection's name in the change log's checkpoints and the scan ledger.
CONSUMER = "graph"
SPARK_HINT = (
    "the Spark engine needs pyspark: pip install 'bastion[spark]' (or: pip install 'pyspark>=3.5,<4.1')"
)

#: ``refresh(store, platform) -> notes``: brings the signals detection reads up to date (the façade passes
#: one that runs the refresh hooks of the capabilities before graph: stale term and media scans).
Refresh = Callable[[Store, str], list[str]]


@dataclass(frozen=True, slots=True)
class DetectionRun:
    run_id: int
    platform: str
    engine: str
    mode: str
    seeds: tuple[str, ...]
    accounts: int
    edges: int
    flagged: int
    networks: tuple[Network, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Computed:
    """One scoring of a whole platform, before anything is stored."""

    platform: str
    engine: str
    mode: str
    seeds: list[str]
    started: Any
    config: DetectConfig
    loaded: LoadedPlatform
    result: Detection
    networks: tuple[Network, ...]
    notes: tuple[str, ...]

    def as_run(self, run_id: int, networks: tuple[Network, ...], notes: Sequence[str]) -> DetectionRun:
        graph = self.loaded.graph
        flagged = sum(len(n.members) for n in networks)
        return DetectionRun(
            run_id,
            self.platform,
            self.engine,
            self.mode,
            tuple(self.seeds),
            graph.n,
            graph.num_edges(),
            flagged,
            networks,
            (*notes, *self.notes),
        )


class NetworkDetector(NetworkReader):
    """Runs :func:`bastion.graph.detect` on a stored platform and keeps what it found."""

    def __init__(
        self,
        store: Store,
        config: DetectConfig | None = None,
        *,
        refresh: Refresh | None = None,
        catchup_hops: int = 1,
        catchup_max_drift: float = 0.05,
    ) -> None:
        super().__init__(store)
        self.config = config or DetectConfig()
        self._refresh = refresh
        self.catchup_hops = catchup_hops
        self.catchup_max_drift = catchup_max_drift
        #: each platform's tables as the last run read them, which catch-up patches instead of reading again
        self._kept: dict[str, PlatformTables] = {}
        self._kept_lock = threading.Lock()

    def catch_up(self, platform: str | None = None) -> CatchUpRun:
        """Re-derive only the networks the live events since the last run touch (``graph/catchup.py``);
        the scans must be caught up first (the façade's ``catchup`` does both)."""
        from bastion.graph.catchup import catch_up

        name = self.store.resolve_platform(platform)
        return catch_up(self, name, hops=self.catchup_hops, max_drift=self.catchup_max_drift)

    def detect(
        self,
        platform: str | None = None,
        seeds: Sequence[str] | None = None,
        engine: str = "local",
        *,
        refresh: bool = True,
    ) -> DetectionRun:
        """``seeds=None`` takes the ``seeds`` table; an empty list (or an empty table) runs seedless."""
        name = self.store.resolve_platform(platform)
        notes = self._refresh(self.store, name) if refresh and self._refresh is not None else []
        head = self.store.changes.head(name)  # read first: changes committed during the run come next time
        return self.keep(self.compute(name, seeds, engine), head, notes)

    def keep(self, done: Computed, head: int, notes: Sequence[str] = ()) -> DetectionRun:
        """Store ``done`` as a full run that has seen every change up to ``head`` (read before computing)."""
        earlier = self.members_of_latest_run(done.platform)
        run_id = self.store_run(done)
        networks = numbered(run_id, done.networks, earlier, self.merged_aliases(done.platform))
        self._store_networks(run_id, done.platform, networks)
        self.mark_caught_up(done.platform, head)
        return done.as_run(run_id, networks, notes)

    def compute(
        self, name: str, seeds: Sequence[str] | None = None, engine: str = "local", *, patch: bool = False
    ) -> Computed:
        """Load the platform and score every account (nothing is stored); ``patch`` starts from the tables
        the last run in this process read, with only the rows changed since read again."""
        chosen = list(stored_seeds(self.store, name) if seeds is None else seeds)
        started = utcnow()
        notes: list[str] = []
        with self._kept_lock:
            tables = self._tables(name, patch, notes)
            loaded = build_platform(self.store, tables)
        graph = loaded.graph
        unknown = [s for s in chosen if s not in graph.index]
        if unknown:
            notes.append(f"{len(unknown)} seed(s) not in the graph, ignored: {', '.join(unknown[:5])}")
        cfg = replace(self.config, engine=engine)
        if engine == "spark":
            result = _spark_detect()(graph, chosen, cfg, current_weights(self.store, name))
        elif engine == "local":
            result = detect(graph, chosen, cfg, current_weights(self.store, name))
        else:
            raise ConfigError(f"unknown engine {engine!r}: use local or spark")
        networks = tuple(with_facts(n, loaded) for n in result.networks)
        notes += _cleared_notes(result, graph.cleared.of, cfg.threshold)
        mode = "seeded" if len(chosen) > len(unknown) else "seedless"
        return Computed(name, engine, mode, chosen, started, cfg, loaded, result, networks, tuple(notes))

    def _tables(self, name: str, patch: bool, notes: list[str]) -> PlatformTables:
        kept = self._kept.get(name)
        if patch and kept is not None and kept.version == self.store.scans.data_version(name):
            before = kept.seq
            applied = kept.patch(self.store, self.store.changes.since(name, kept.seq))
            notes.append(f"tables kept in memory since change {before}, {applied} change(s) read again")
            return kept
        tables = self._kept[name] = PlatformTables.read(self.store, name)
        return tables

    def store_run(
        self, done: Computed, *, flagged: int | None = None, extra: dict[str, Any] | None = None
    ) -> int:
        """Keep a run row for ``done`` (its networks are stored by the caller)."""
        graph = done.loaded.graph
        count = sum(len(n.members) for n in done.networks) if flagged is None else flagged
        extra = {"benign_domains": list(done.loaded.benign), **(extra or {})}
        return self._store_run(
            done.platform,
            done.engine,
            done.mode,
            done.seeds,
            graph.n,
            graph.num_edges(),
            count,
            done.started,
            done.config,
            done.result,
            extra,
        )

    def merged_aliases(self, platform: str) -> dict[str, list[str]]:
        """Network id -> the ids of networks that merged into it, as its member signals say now."""
        out: dict[str, list[str]] = {}
        for s in self.store.signals.of_kind(KIND, platform):
            merged = s.evidence.get("merged")
            if s.source == SOURCE and isinstance(merged, list) and merged:
                out.setdefault(str(s.evidence.get("network_id")), [str(x) for x in merged])
        return out

    def data_version(self, name: str) -> str:
        """What a catch-up may build on: the loaded export data, the weights and the allowed domains (else
        it starts over)."""
        weights = current_weights(self.store, name).version
        return f"{self.store.scans.data_version(name)}|w{weights}|d{BenignDomains(self.store).version()}"

    def mark_caught_up(self, name: str, head: int, *, conn: Any = None) -> None:
        """Record that detection has seen every change up to ``head`` and the current data version."""
        self.store.changes.advance(CONSUMER, name, head, conn=conn)
        self.store.scans.mark(CONSUMER, name, self.data_version(name), head)

    def _store_run(
        self,
        platform: str,
        engine: str,
        mode: str,
        seeds: list[str],
        n: int,
        edges: int,
        flagged: int,
        started: Any,
        cfg: DetectConfig,
        result: Detection,
        extra: dict[str, Any],
    ) -> int:
        """Keep what re-derives the run: settings, the random seed, the estimated prior, the weights and
        the platform calibration (each view's stated and estimated worth per bin)."""
        result_prior, weights, cal = result.prior, result.weights, result.calibration
        config = {
            "threshold": cfg.threshold,
            "resolution": cfg.resolution,
            "min_network": cfg.min_network,
            "seed": cfg.seed,
            "prior_start": cfg.prior_start,
            "prior": round(result_prior, 8),
            "weights": weights.to_json(),
            "calibration": {
                "words": cal.words() if cal is not None else "none",
                "views": {k: c.to_json() for k, c in cal.curves.items()} if cal is not None else {},
            },
            **extra,
        }
        with self.store.engine.begin() as conn:
            res = conn.execute(
                insert(graph_runs).values(
                    platform=platform,
                    engine=engine,
                    mode=mode,
                    seeds=seeds,
                    accounts=n,
                    edges=edges,
                    flagged=flagged,
                    started_at=started,
                    finished_at=utcnow(),
                    config=config,
                )
            )
            key = res.inserted_primary_key
            assert key is not None
            return int(key[0])

    def _store_networks(
        self, run_id: int, platform: str, networks: Sequence[Network], *, kept: Sequence[Signal] = ()
    ) -> None:
        """Store the run's networks and make their members' signals the platform's (``kept``: signals of
        networks a catch-up carried over unchanged)."""
        net_rows, member_rows, signals = [], [], list(kept)
        for net in networks:
            net_rows.append(
                {
                    "run_id": run_id,
                    "network_id": net.network_id,
                    "platform": platform,
                    "score": net.score,
                    "size": len(net.members),
                    "roles": net.role_counts(),
                    "exposure": net.exposure.to_json() if net.exposure else None,
                    "detectors": list(net.detectors),
                }
            )
            for m in net.members:
                evidence = [e.to_json() for e in m.evidence]
                summary = m.evidence[0].text if m.evidence else ""
                member_rows.append(
                    {
                        "run_id": run_id,
                        "network_id": net.network_id,
                        "account_id": m.account_id,
                        "platform": platform,
                        "role": m.role,
                        "score": m.score,
                        "summary": summary,
                        "evidence": evidence,
                    }
                )
                signals.append(
                    Signal(
                        platform,
                        EntityType.ACCOUNT,
                        m.account_id,
                        KIND,
                        SOURCE,
                        min(1.0, max(0.0, m.score)),
                        {
                            "run_id": run_id,
                            "network_id": net.network_id,
                            "role": m.role,
                            "evidence": evidence,
                            **({"merged": list(net.merged)} if net.merged else {}),
                        },
                    )
                )
        with self.store.engine.begin() as conn:
            if net_rows:
                conn.execute(insert(graph_networks), net_rows)
            if member_rows:
                conn.execute(insert(graph_members), member_rows)
        self.store.signals.replace(SOURCE, KIND, platform, signals)


def numbered(
    run_id: int,
    networks: Sequence[Network],
    earlier: Mapping[str, Collection[str]],
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Network, ...]:
    """Each network with its id: the id of the ``earlier`` network it continues (``lineage.py``), else
    ``<run>-<k>`` (the run that first found it, its place in that run); and the ids of earlier networks
    that merged into it, with the ids those had taken in (``aliases``: earlier id -> merged ids)."""
    found = [[m.account_id for m in n.members] for n in networks]
    ids = continued(earlier, found)
    took = absorbed(earlier, found, ids)
    known = aliases or {}
    out = []
    for k, (n, old, ended) in enumerate(zip(networks, ids, took, strict=True), start=1):
        merged = [*(known.get(old, ()) if old else ()), *(x for e in ended for x in (e, *known.get(e, ())))]
        out.append(replace(n, network_id=old or f"{run_id}-{k}", merged=tuple(dict.fromkeys(merged))))
    return tuple(out)


def _cleared_notes(result: Detection, cleared: Mapping[int, Any], threshold: float) -> list[str]:
    """How many accounts reviewers cleared this run held out of networks, or let back on evidence since."""
    if not cleared:
        return []
    at = np.asarray(sorted(cleared), dtype=np.int64)
    over = at[result.score[at] >= threshold]
    held = int(result.held[over].sum())
    notes = []
    if held:
        notes.append(
            f"{held} account(s) at or above the flag threshold held out of networks: cleared by review, "
            "nothing new since (bastion explain ACCOUNT shows the clearance)"
        )
    if len(over) > held:
        notes.append(
            f"{len(over) - held} account(s) cleared by review at or above the flag threshold again, on "
            "evidence dated since the verdict (their entries say what)"
        )
    return notes


def _spark_detect() -> Callable[..., Any]:
    try:
        from bastion.graph.spark import detect_spark
    except ImportError as exc:
        raise ConfigError(SPARK_HINT) from exc
    run: Callable[..., Any] = detect_spark
    return run


__all__ = [
    "CONSUMER",
    "KIND",
    "SOURCE",
    "Computed",
    "DetectionRun",
    "Dossier",
    "DossierMember",
    "NetworkDetector",
    "NetworkSummary",
]
