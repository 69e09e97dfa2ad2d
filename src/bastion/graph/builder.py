"""Build an :class:`AccountGraph` row by row from account ids (tests, the database loader, small imports)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from bastion.core.errors import InputError
from bastion.core.model import Signal
from bastion.graph.container import AGE_CODES, AccountGraph, NodeAttributes
from bastion.graph.keyed import NodeIds


class GraphBuilder:
    """Collects edges by account id; unknown ids become accounts so edges are never silently dropped."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self._nodes = NodeIds()
        self._attrs: dict[int, dict[str, float | str]] = {}
        self._follows: list[tuple[int, int, int, bool]] = []
        self._edges: dict[str, list[tuple[int, int, float]]] = {
            "interaction": [],
            "share": [],
            "message": [],
            "rec": [],
            "report": [],
            "reply": [],
        }
        self._signals: dict[str, dict[int, float]] = {}

    def account(self, account_id: str) -> int:
        return self._nodes(account_id)

    def add_account(
        self,
        account_id: str,
        *,
        age_band: str = "unknown",
        account_age_days: float = float("nan"),
        post_count: float = float("nan"),
        stories_ratio: float = float("nan"),
    ) -> None:
        if age_band not in AGE_CODES:
            raise InputError(f"unknown age band {age_band!r}", field="age_band")
        self._attrs[self.account(account_id)] = {
            "age_band": age_band,
            "account_age_days": account_age_days,
            "post_count": post_count,
            "stories_ratio": stories_ratio,
        }

    def add_follow(self, follower: str, followee: str, t: int = 0, *, source: str = "unknown") -> None:
        self._follows.append((self.account(follower), self.account(followee), t, source == "recommendation"))

    def add_interaction(self, actor: str, target: str, count: float = 1.0, *, kind: str = "like") -> None:
        """A ``share`` also lands in the share layer: re-sharing someone's content is amplification."""
        self._edges["interaction"].append((self.account(actor), self.account(target), count))
        if kind == "share":
            self._edges["share"].append((self.account(actor), self.account(target), count))

    def add_message(self, sender: str, recipient: str, count: float = 1.0, *, reply: bool = False) -> None:
        """``reply``: the messages answer a conversation the recipient started."""
        self._edges["message"].append((self.account(sender), self.account(recipient), count))
        if reply:
            self._edges["reply"].append((self.account(sender), self.account(recipient), count))

    def add_recommendation(self, viewer: str, recommended: str, times: float = 1.0) -> None:
        self._edges["rec"].append((self.account(viewer), self.account(recommended), times))

    def add_report(self, reporter: str, reported: str, weight: float = 1.0) -> None:
        """A report on an account or on one of its posts (``weight`` < 1 for, e.g., spam reasons)."""
        self._edges["report"].append((self.account(reporter), self.account(reported), weight))

    def add_signal(self, account_id: str, kind: str, score: float) -> None:
        """Keep the strongest score per (account, kind): repeated hits should not add up past 1."""
        if not 0.0 <= score <= 1.0:
            raise InputError(f"signal score {score} outside [0, 1]", field="score")
        slot = self._signals.setdefault(kind, {})
        i = self.account(account_id)
        slot[i] = max(slot.get(i, 0.0), score)

    def add_signals(self, signals: Iterable[Signal]) -> None:
        """Take account-level signals from any capability (other entity types are ignored here)."""
        for s in signals:
            if s.entity_type == "account" and s.platform == self.platform:
                self.add_signal(s.entity_id, s.kind.name, s.score)

    def build(self) -> AccountGraph:
        n = len(self._nodes.ids)
        attrs = NodeAttributes.empty(n)
        for i, a in self._attrs.items():
            attrs.age_band[i] = AGE_CODES[str(a["age_band"])]
            attrs.account_age_days[i] = float(a["account_age_days"])
            attrs.post_count[i] = float(a["post_count"])
            attrs.stories_ratio[i] = float(a["stories_ratio"])
        f = np.array(self._follows, dtype=np.int64).reshape(-1, 4)

        def trip(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
            e = self._edges[name]
            if not e:
                return None
            arr = np.array(e, dtype=np.float64)
            return arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]

        signals = {}
        for kind, vals in self._signals.items():
            arr = np.zeros(n)
            arr[list(vals)] = list(vals.values())
            signals[kind] = arr
        return AccountGraph.from_arrays(
            self.platform,
            self._nodes.ids,
            (f[:, 0], f[:, 1]),
            follow_times=f[:, 2],
            follow_from_rec=f[:, 3].astype(bool),
            interactions=trip("interaction"),
            shares=trip("share"),
            messages=trip("message"),
            recommendations=trip("rec"),
            reports=trip("report"),
            replies=trip("reply"),
            attrs=attrs,
            signals=signals,
        )
