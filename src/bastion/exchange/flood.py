"""Flood protection: a listed hash that suddenly matches far more items than it usually does (a common image
that slipped into a list) is quarantined at once, raises an alert and a case, and drives no action until a
lead decides.

Matches are counted per list entry per minute (``exchange_match_counts``) as they are answered (HMA lookups)
and as scans store them (:meth:`FloodGuard.sweep`, on the service's schedule, counts the new ``hash_match``
items since its last look). After each count the entry's last window is compared with its usual rate over
the history before it: more than ``flood_factor`` times that rate and at least ``flood_min_matches``
quarantines it. Quarantine takes the entry out of its list (history kept), so no lookup answers it, the
next scan drops its signals and no exchange sync re-adds it; a case is filed as a report to review, and an
alert is logged (and kept for the console). The lead's decision releases the hash (back into its list) or
confirms the flood (it stays out, as a false positive, with feedback to its exchanges).

Counts older than a check reads (the window and ``flood_history_minutes`` before it) are pruned by the sweep,
once a minute, so the table holds at most that history per entry that matched.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from bastion.core.errors import Conflict, InputError, NotFound
from bastion.core.model import EntityType, ReportTarget
from bastion.core.timefmt import utcnow
from bastion.exchange.banks import Banks
from bastion.exchange.settings import ExchangeSettings
from bastion.media import HASH_MATCH, Match
from bastion.review import ReportIn, store_reports
from bastion.store.bulk import dialect_insert
from bastion.store.tables_exchange import exchange_floods, exchange_match_counts

log = logging.getLogger("bastion.exchange.flood")
GUARD = "flood-guard"
SNAPSHOT = -1  # exchange_match_counts.minute of a scan sweep's last total per entry
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Flood:
    flood_id: int
    entry_id: int
    list_name: str
    signal_type: str
    value: str
    window_matches: int
    baseline: float
    status: str

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


class FloodGuard:
    def __init__(
        self,
        banks: Banks,
        settings: ExchangeSettings,
        *,
        clock: Clock = time.time,
        on_confirm: Callable[[str, str, str], object] | None = None,
    ) -> None:
        self.banks = banks
        self.store = banks.store
        self.settings = settings
        self.clock = clock
        self.on_confirm = on_confirm  # (signal type, value, by): the false-positive path (feedback)
        self.alerts: list[dict[str, Any]] = []
        self._pruned_at: int | None = None  # the minute of the last prune

    # -- counting --------------------------------------------------------------------------------------
    def record(self, matches: Sequence[Match], platform: str | None = None) -> list[Flood]:
        """Count answered matches (one item each) and quarantine what surged."""
        return self.count(Counter(m.entry_id for m in matches), platform)

    def count(self, per_entry: Counter[int], platform: str | None = None) -> list[Flood]:
        if not per_entry:
            return []
        minute = int(self.clock() // 60)
        stmt = dialect_insert(self.store.engine, exchange_match_counts)
        stmt = stmt.on_conflict_do_update(
            index_elements=["entry_id", "minute"], set_={"n": exchange_match_counts.c.n + stmt.excluded.n}
        )
        with self.store.engine.begin() as conn:
            conn.execute(stmt, [{"entry_id": e, "minute": minute, "n": n} for e, n in per_entry.items()])
        return self.check(per_entry, platform)

    def sweep(self) -> list[Flood]:
        """Count the ``hash_match`` items scans stored since the last sweep, per entry, and check them."""
        counted = self.store.signals.count_by_evidence(HASH_MATCH, "entry_id", entity_type=EntityType.POST)
        totals: dict[int, tuple[str, int]] = {}
        for (platform, e), n in counted.items():
            totals[e] = (platform, totals.get(e, ("", 0))[1] + n)
        with self.store.engine.connect() as conn:
            seen = dict(
                conn.execute(
                    select(exchange_match_counts.c.entry_id, exchange_match_counts.c.n).where(
                        exchange_match_counts.c.minute == SNAPSHOT
                    )
                ).all()
            )
        grown: dict[str, Counter[int]] = {}
        for e, (platform, n) in totals.items():
            if n > seen.get(e, 0):
                grown.setdefault(platform, Counter())[e] = n - seen.get(e, 0)
        if totals:
            stmt = dialect_insert(self.store.engine, exchange_match_counts)
            stmt = stmt.on_conflict_do_update(
                index_elements=["entry_id", "minute"], set_={"n": stmt.excluded.n}
            )
            with self.store.engine.begin() as conn:
                conn.execute(
                    stmt, [{"entry_id": e, "minute": SNAPSHOT, "n": n} for e, (_, n) in totals.items()]
                )
        found: list[Flood] = []
        for platform, counter in grown.items():
            found += self.count(counter, platform)
        if self._pruned_at != int(self.clock() // 60):
            self.prune()
        return found

    def _span(self) -> tuple[int, int]:
        """(first minute of the current window, first minute of the history before it)."""
        window = max(1, self.settings.flood_window_seconds // 60)
        since = int(self.clock() // 60) - window + 1
        return since, since - self.settings.flood_history_minutes

    def prune(self) -> int:
        """Delete the per-minute counts older than any check reads; the sweep's snapshot rows stay."""
        _, history_from = self._span()
        c = exchange_match_counts.c
        with self.store.engine.begin() as conn:
            gone = conn.execute(delete(exchange_match_counts).where(c.minute >= 0, c.minute < history_from))
        self._pruned_at = int(self.clock() // 60)
        return int(gone.rowcount or 0)

    def check(self, entry_ids: Iterable[int], platform: str | None = None) -> list[Flood]:
        s = self.settings
        window = max(1, s.flood_window_seconds // 60)
        since, history_from = self._span()
        found = []
        ids = list(entry_ids)
        with self.store.engine.connect() as conn:
            counts = conn.execute(
                select(
                    exchange_match_counts.c.entry_id,
                    func.sum(exchange_match_counts.c.n).filter(exchange_match_counts.c.minute >= since),
                    func.sum(exchange_match_counts.c.n).filter(
                        and_(
                            exchange_match_counts.c.minute < since,
                            exchange_match_counts.c.minute >= history_from,
                        )
                    ),
                    func.min(exchange_match_counts.c.minute).filter(exchange_match_counts.c.minute >= 0),
                )
                .where(
                    exchange_match_counts.c.entry_id.in_(ids), exchange_match_counts.c.minute >= history_from
                )
                .group_by(exchange_match_counts.c.entry_id)
            ).all()
            held = set(
                conn.execute(
                    select(exchange_floods.c.entry_id).where(
                        exchange_floods.c.entry_id.in_(ids), exchange_floods.c.status == "quarantined"
                    )
                ).scalars()
            )
        for entry_id, recent, before, first in counts:
            recent, before = int(recent or 0), int(before or 0)
            if entry_id in held or recent < s.flood_min_matches:
                continue
            minutes = max(window, since - int(first if first is not None else since))
            baseline = before / minutes * window  # its usual matches per window
            if recent > s.flood_factor * max(baseline, 1.0):
                flood = self._quarantine(int(entry_id), recent, baseline, platform)
                if flood is not None:
                    found.append(flood)
        return found

    # -- quarantine and decision -----------------------------------------------------------------------
    def _quarantine(self, entry_id: int, recent: int, baseline: float, platform: str | None) -> Flood | None:
        entry = self.banks.repo.lookup([entry_id]).get(entry_id)
        if entry is None or not entry.active:
            return None
        self.banks.repo.remove(entry.list_name, entry.value, by=GUARD, signal_type=entry.signal_type)
        with self.store.engine.begin() as conn:
            flood_id = conn.execute(
                insert(exchange_floods)
                .values(
                    entry_id=entry_id,
                    list_name=entry.list_name,
                    signal_type=entry.signal_type,
                    value=entry.value,
                    window_matches=recent,
                    baseline=baseline,
                    detected_at=utcnow(),
                    status="quarantined",
                )
                .returning(exchange_floods.c.flood_id)
            ).scalar_one()
        flood = Flood(
            int(flood_id),
            entry_id,
            entry.list_name,
            entry.signal_type,
            entry.value,
            recent,
            baseline,
            "quarantined",
        )
        alert = {"event": "hash_flood", **flood.as_json(), "platform": platform}
        self.alerts.append(alert)
        log.error(
            "ALERT hash flood: %s entry %s of list %s matched %d items in %ds (usual %.1f): quarantined",
            entry.signal_type,
            entry_id,
            entry.list_name,
            recent,
            self.settings.flood_window_seconds,
            baseline,
        )
        if platform:
            self._file_case(flood, platform)
        return flood

    def _file_case(self, flood: Flood, platform: str) -> None:
        """A report to review (triage turns it into a case), from the guard, on the flooding hash."""
        now = utcnow()
        rid = f"hash-flood-{flood.flood_id}"
        text = (
            f"Hash flood: {flood.signal_type} entry {flood.entry_id} of list {flood.list_name} matched "
            f"{flood.window_matches} items in one window (usual {flood.baseline:.1f}). Quarantined until a "
            "lead releases or confirms it."
        )
        report = ReportIn(
            platform=platform,
            report_id=rid,
            reporter_id=GUARD,
            target_type=ReportTarget.MEDIA,
            target_id=f"hash-flood:{flood.flood_id}",
            reason="hash_flood",
            created_at=now,
            text=text,
            extra={"flood": flood.as_json()},
        )
        store_reports(self.store.engine, [report], now=now)  # review's own intake: triage makes it a case

    def floods(self, status: str | None = None) -> list[Flood]:
        query = select(exchange_floods).order_by(exchange_floods.c.flood_id)
        if status is not None:
            query = query.where(exchange_floods.c.status == status)
        with self.store.engine.connect() as conn:
            return [
                Flood(
                    r.flood_id,
                    r.entry_id,
                    r.list_name,
                    r.signal_type,
                    r.value,
                    r.window_matches,
                    r.baseline,
                    r.status,
                )
                for r in conn.execute(query)
            ]

    def is_quarantined(self, kind: str, value: str) -> bool:
        with self.store.engine.connect() as conn:
            return (
                conn.execute(
                    select(exchange_floods.c.flood_id).where(
                        exchange_floods.c.signal_type == kind,
                        exchange_floods.c.value == value,
                        exchange_floods.c.status == "quarantined",
                    )
                ).first()
                is not None
            )

    def decide(self, flood_id: int, decision: str, *, by: str, reason: str) -> Flood:
        """A lead's decision: ``release`` (a real surge: the hash goes back into its list) or ``confirm``
        (a flood: it stays out, as a false positive)."""
        if decision not in ("release", "confirm"):
            raise InputError("decision must be release or confirm", field="decision")
        if not reason.strip():
            raise InputError("a decision needs a reason", field="reason")
        found = next((f for f in self.floods() if f.flood_id == flood_id), None)
        if found is None:
            raise NotFound(f"flood {flood_id} not found")
        if found.status != "quarantined":
            raise Conflict(f"flood {flood_id} was already decided ({found.status})")
        status = "released" if decision == "release" else "confirmed"
        with self.store.engine.begin() as conn:
            conn.execute(
                update(exchange_floods)
                .where(exchange_floods.c.flood_id == flood_id)
                .values(status=status, decided_by=by, decided_at=utcnow(), reason=reason)
            )
        if decision == "release":
            self.banks.repo.add(
                found.signal_type, found.value, found.list_name, by=by, note=f"released: {reason}"
            )
        elif self.on_confirm is not None:
            self.on_confirm(found.signal_type, found.value, by)
        return next(f for f in self.floods() if f.flood_id == flood_id)
