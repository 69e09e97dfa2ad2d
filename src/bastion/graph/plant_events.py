"""Shared pieces of the planting modules: ground-truth labels and the follow-event collector."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from bastion.graph.container import IntArray

ORDINARY, SELLER, BUYER, DECOY, PULLED, FACILITATOR, COMMUNITY, CURIOUS, COHORT = 0, 1, 2, 3, 4, 5, 6, 7, 8
#: Ordinary accounts that follow a network's sellers to report them (a trusted flagger, a researcher).
FLAGGER = 9
#: Ordinary accounts a network's sellers follow and write to (advertising to them, grooming them).
TARGET = 10
NETWORK_LABELS = (SELLER, BUYER, FACILITATOR)
#: Labels of accounts that are not network members (the ordinary side of the platform).
ORDINARY_LABELS = (ORDINARY, DECOY, PULLED, COMMUNITY, CURIOUS, COHORT, FLAGGER, TARGET)
DAY = 86_400
Pairs = tuple[IntArray, IntArray]


def followed_back(share: float, seed: int, stream: int, k: int) -> npt.NDArray[np.bool_]:
    """Which of ``k`` friendships the followed account follows back: every one at ``share`` 1 (the default
    world); below, drawn from a stream of their own (``seed``, ``stream``), so the rest of the world is the
    same whatever the share. Where following is one way (a photo app) far fewer are followed back."""
    if share >= 1.0:
        return np.ones(k, dtype=bool)
    return np.asarray(np.random.default_rng([seed, 2, stream]).random(k) < share, dtype=bool)


def one_network_each(
    rng: np.random.Generator, label: npt.NDArray[np.int8], network: IntArray, k: int
) -> Iterator[tuple[int, IntArray]]:
    """``k`` ordinary accounts (sorted), each with the sellers of one network drawn for it as it is read, for
    the parts of a world that tie ordinary people to a network (users who report it, users it reaches out
    to); none without sellers or ordinary accounts. The caller's own draws for an account come between
    this one's, so the order of every draw is fixed."""
    sellers = np.flatnonzero(label == SELLER)
    pool = np.flatnonzero(label == ORDINARY)
    if k <= 0 or not len(sellers) or not len(pool):
        return
    who = np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False))
    nets = np.unique(network[sellers])
    for a in who.tolist():
        yield a, sellers[network[sellers] == rng.choice(nets)]


class Follows:
    """Follow events (source, target, time, from a recommendation), collected in chunks."""

    def __init__(self, rng: np.random.Generator, horizon: int) -> None:
        self.rng = rng
        self.horizon = horizon
        self._src: list[IntArray] = []
        self._dst: list[IntArray] = []
        self._t: list[IntArray] = []
        self._rec: list[npt.NDArray[np.bool_]] = []

    def add(
        self, a: IntArray, b: IntArray, t: IntArray, from_rec: bool | npt.NDArray[np.bool_] = False
    ) -> None:
        self._src.append(np.asarray(a, dtype=np.int64))
        self._dst.append(np.asarray(b, dtype=np.int64))
        self._t.append(np.asarray(t, dtype=np.int64))
        self._rec.append(np.broadcast_to(np.asarray(from_rec, dtype=bool), (len(a),)).copy())

    def after(
        self,
        a: IntArray,
        b: IntArray,
        created: IntArray,
        from_rec: bool = False,
        rng: np.random.Generator | None = None,
    ) -> IntArray:
        """Follows at a time uniform between the later creation of the two accounts (or the window's start,
        time 0) and the window's end; timed from ``rng`` where given (a part of the world drawn from its own
        stream), else from the world's. Returns their times."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        return self.since(a, b, np.maximum(np.maximum(created[a], created[b]), 0), from_rec, rng)

    def since(
        self,
        a: IntArray,
        b: IntArray,
        lo: IntArray,
        from_rec: bool = False,
        rng: np.random.Generator | None = None,
    ) -> IntArray:
        """Follows at a time uniform between ``lo`` and the window's end (a follow-back: after the follow it
        answers), one draw each as :meth:`after`. Returns their times."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        lo = np.minimum(np.asarray(lo, dtype=np.int64), self.horizon - 1)
        t = lo + ((rng or self.rng).random(len(a)) * (self.horizon - lo)).astype(np.int64)
        self.add(a, b, t, from_rec)
        return t

    def retime(self, among: npt.NDArray[np.bool_], start: int, days: int, rng: np.random.Generator) -> None:
        """Events between two accounts of ``among`` happen again within ``days`` from ``start``."""
        for k, (a, b) in enumerate(zip(self._src, self._dst, strict=True)):
            hit = among[a] & among[b]
            if hit.any():
                t = self._t[k].copy()
                t[hit] = start + rng.integers(0, days * DAY, int(hit.sum()))
                self._t[k] = t

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]:
        if not self._src:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z, np.zeros(0, dtype=bool)
        return (
            np.concatenate(self._src),
            np.concatenate(self._dst),
            np.concatenate(self._t),
            np.concatenate(self._rec),
        )
