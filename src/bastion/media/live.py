"""The live matcher a long-running process shares: one :class:`BankRepository` whose changes to its matcher
(a refresh from the change log, a first load) happen under one lock, so a lookup on one request thread never
reads the index while another thread's refresh is changing it. Media's service holds one; the exchange
capability reaches the same one through the façade (``bastion.service("media").repository``), so HMA's
lookups and media's scans read one index."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from bastion.media.matcher import Matcher
from bastion.media.matches import MatchResult
from bastion.media.repository import BankRepository
from bastion.store import Store


class LockedRepository(BankRepository):
    """The media repository with one lock around what changes its matcher."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.lock = threading.RLock()

    def refresh(self) -> int:
        with self.lock:
            return super().refresh()

    @property
    def matcher(self) -> Matcher:
        with self.lock:  # loaded once, even when two requests come first together
            return BankRepository.matcher.fget(self)  # type: ignore[attr-defined,no-any-return]

    def match(self, hashes: dict[str, str]) -> MatchResult:
        """Bring the matcher up to date with the change log, then match, in one hold of the lock."""
        with self.lock:
            super().refresh()
            return self.matcher.match(hashes)

    def match_many(self, items: Sequence[Mapping[str, Any]]) -> list[MatchResult]:
        """:meth:`match` for many items, with one index search for all their PDQ hashes."""
        with self.lock:
            super().refresh()
            return self.matcher.match_many(items)


__all__ = ["LockedRepository"]
