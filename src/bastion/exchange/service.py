"""The exchange capability's service: HMA's banks and matching, hash exchanges, feedback and flood protection
over one media repository. Syncs, flood sweeps and verdicts run as the manifest's jobs in ``bastion serve``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from bastion.exchange.banks import Banks
from bastion.exchange.feedback import Feedback
from bastion.exchange.flood import FloodGuard
from bastion.exchange.matching import Matching
from bastion.exchange.settings import ExchangeSettings
from bastion.exchange.shared import SharedSignals
from bastion.exchange.sync import Exchanges
from bastion.exchange.verdicts import send_pending
from bastion.media import BankRepository, Match, Matcher, MatchResult
from bastion.store import Store

log = logging.getLogger("bastion.exchange")
#: How often the manifest's flood and verdict jobs run.
SWEEP_SECONDS = 20.0  # flood checks of scan matches: well inside the one minute a surge must be caught in


class LockedRepository(BankRepository):
    """The media repository with one lock around what changes its matcher, so a lookup on one request thread
    never reads the index while another thread's refresh or write is changing it."""

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
        with self.lock:
            super().refresh()
            return self.matcher.match(hashes)


class ExchangeService:
    def __init__(self, store: Store, settings: ExchangeSettings, repo: BankRepository | None = None) -> None:
        self.store = store
        self.settings = settings
        self.banks = Banks(store, repo if repo is not None else LockedRepository(store))
        self.exchanges = Exchanges(self.banks, settings)
        self.feedback = Feedback(self.exchanges)
        self.flood = FloodGuard(self.banks, settings, on_confirm=self._confirmed)
        self.matching = Matching(self.banks, on_matches=self._matched)
        self.shared = SharedSignals(self.banks, settings)
        self._platform = threading.local()

    def _matched(self, matches: Sequence[Match]) -> None:
        self.flood.record(matches, getattr(self._platform, "name", None))

    def for_platform(self, platform: str | None) -> ExchangeService:
        """Attribute this thread's next lookups to a platform (the case a flood files goes to it)."""
        self._platform.name = platform
        return self

    def _confirmed(self, kind: str, value: str, by: str) -> None:
        self.feedback.verdict(kind, value, "false_positive", by=by)

    def send_verdicts(self) -> int:
        """Verdicts that review decisions recorded, sent to the exchanges (and false positives disabled)."""
        return send_pending(self.feedback)

    def close(self) -> None:
        """Nothing to stop: its scheduled passes are jobs in the manifest, run by the service's leader."""
