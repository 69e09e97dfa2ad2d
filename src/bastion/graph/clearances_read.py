"""Reading a platform's clearances (``clearances.py``) from the store, beside the graph's build: the newest
verdict on each account, then what is dated after a not-violating one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select

from bastion.core.model import Signal
from bastion.graph.clearances import Clearance, Clearances
from bastion.store import Store
from bastion.store.tables import follows, interactions, messages, reports

#: Reads by key go in chunks of this many keys.
_CHUNK = 400
#: The summed track-record weight of distinct reporters since a verdict that reopens it: two reporters
#: whose reports count in full (``reporters.TrackRecord.weight``).
REOPEN_REPORTERS = 2.0


class ClearanceReader:
    """Reads a platform's clearances beside the graph's build: the verdicts first, then each upstream
    signal as the build meets it (``saw``), then reports and contacts since (``read``)."""

    def __init__(
        self,
        store: Store,
        platform: str,
        index: Callable[[str], int | None],
        newest: Mapping[str, Signal],
    ) -> None:
        """``index``: account id -> the build's internal index (None where the build has no such account);
        ``newest``: each account's newest verdict (``reporters.newest_verdicts``)."""
        self.store, self.platform, self.index = store, platform, index
        self.cleared: dict[int, tuple[float, str, str]] = {}
        for account, s in newest.items():
            i = index(account)
            if s.score < 0.5 and i is not None and s.created_at is not None:
                self.cleared[i] = (s.created_at.timestamp(), str(s.evidence.get("case_id", "")), account)
        self._signals: dict[int, list[str]] = {}
        #: per cleared account, its reporters since the verdict: whether all their reports were for spam
        self._reported: dict[int, dict[int, bool]] = {}

    def saw(self, i: int, s: Signal) -> None:
        """An upstream signal on internal account ``i`` (its own or its post's)."""
        got = self.cleared.get(i)
        if got is not None and s.created_at is not None and s.created_at.timestamp() > got[0]:
            self._signals.setdefault(i, []).append(s.kind.name)

    def reports_since(self, owner: Callable[[str, str], int | None]) -> dict[int, set[int]]:
        """Per cleared account (internal index), the reporters (internal indices) whose reports on it, or
        on one of its posts, Bastion stored after its verdict. ``owner(target_type, target_id)``: the
        internal index of a report's account. Read before reporters' track records: the verdict did not
        judge these reports, so it does not count against their reporters."""
        if not self.cleared:
            return {}
        c = reports.c
        since = _instant(min(at for at, _, _ in self.cleared.values()))
        # when Bastion stored it, not when it was filed: a report the platform delivered after the verdict
        # was not before the reviewer, whatever its date (rows stored before that time was kept: their date)
        stored = func.coalesce(c.received_at, c.created_at)
        q = select(c.reporter_id, c.target_type, c.target_id, c.reason, stored.label("at")).where(
            c.platform == self.platform, stored > since
        )
        with self.store.engine.connect() as conn:
            for r in conn.execute(q):
                i = owner(r.target_type, r.target_id)
                got = self.cleared.get(i) if i is not None else None
                reporter = self.index(r.reporter_id)
                if got is None or i is None or reporter is None or r.at.timestamp() <= got[0]:
                    continue
                spam = "spam" in (r.reason or "").lower()
                slot = self._reported.setdefault(i, {})
                slot[reporter] = slot.get(reporter, True) and spam  # spam only if every report was
        return {i: set(by) for i, by in self._reported.items()}

    def read(self, counts: Callable[[int], float], rank: Callable[[int], int]) -> Clearances:
        """``counts(reporter)``: the weight of that reporter's reports (its track record; 0: they say
        nothing); ``rank``: internal -> graph index. After :meth:`reports_since`."""
        if not self.cleared:
            return Clearances()
        since = min(at for at, _, _ in self.cleared.values())
        contacted = self._contacts(since)
        reported = self._reported
        out: dict[int, Clearance] = {}
        for i, (at, case, _) in self.cleared.items():
            news, short = [], []
            # reports for spam say nothing of this harm; a reporter's weight is its track record
            by = {r: counts(r) for r, spam in reported.get(i, {}).items() if not spam}
            by = {r: w for r, w in by.items() if w > 0}
            said = f"{len(by)} report{'s' if len(by) != 1 else ''}"
            if sum(by.values()) >= REOPEN_REPORTERS:
                news.append(said)
            elif by:
                short.append(
                    f"{said}: reports from {REOPEN_REPORTERS:g} credible reporters reopen a clearance"
                )
            for kind in sorted(set(self._signals.get(i, ()))):
                news.append(f"a new {kind}")
            if rank(i) < 0:
                continue
            chose = sorted({rank(j) for j in contacted.get(i, ()) if rank(j) >= 0})
            out[rank(i)] = Clearance(at, case, tuple(news), np.asarray(chose, dtype=np.int64), tuple(short))
        return Clearances(out)

    def _contacts(self, since: float) -> dict[int, set[int]]:
        """Per cleared account, the internal indices of the accounts it chose to contact after its verdict:
        follows, conversations it started (a reply is the other's choice), interactions."""
        by_id = {account: (i, at) for i, (at, _, account) in self.cleared.items()}
        ids = sorted(by_id)
        queries: list[tuple[Any, Any, Any]] = [
            (follows.c.follower_id, follows.c.followee_id, follows.c.created_at),
            (messages.c.sender_id, messages.c.recipient_id, messages.c.first_at),
            (interactions.c.actor_id, interactions.c.target_account_id, interactions.c.first_at),
        ]
        out: dict[int, set[int]] = {}
        with self.store.engine.connect() as conn:
            for who, whom, when in queries:
                q = select(who, whom, when).where(
                    who.table.c.platform == self.platform, when > _instant(since)
                )
                if who.table is messages:
                    started = messages.c.initiated_by_sender
                    q = q.where(or_(started.is_(None), started.is_(True)))
                for lo in range(0, len(ids), _CHUNK):
                    for a, b, t in conn.execute(q.where(who.in_(ids[lo : lo + _CHUNK]))):
                        i, at = by_id[a]
                        j = self.index(b)
                        if j is not None and t.timestamp() > at:
                            out.setdefault(i, set()).add(j)
        return out


def _instant(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
