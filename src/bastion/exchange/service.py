"""The exchange capability's service: HMA's banks and matching, hash exchanges, feedback and flood protection
over one media repository. Its scheduled passes (syncs, flood sweeps, verdicts, the policy list, shared-signal
pulls) are the manifest's jobs (:mod:`bastion.exchange.jobs`), run by the service's leader.

Built by the façade, the repository is media's live one (``bastion.service("media").repository``): one
index answers HMA's lookups and media's scans, and one lock guards it. Built alone (tests, tools), it opens
its own.
"""

from __future__ import annotations

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
from bastion.media import BankRepository, LockedRepository, Match
from bastion.store import Store


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
