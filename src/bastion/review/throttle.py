"""Failed-login throttling per address and per account, which slows a password guesser without letting it
lock a real reviewer out.

- An address that keeps failing waits longer and longer (doubling, capped) before its next try is checked.
- An account that keeps failing makes attempts from *unknown* addresses wait; addresses and browsers that
  have logged in to that account before (known-good) are never held back, so a guesser elsewhere cannot
  keep its owner out.
- Held-back attempts are answered without checking the password (no Argon2 work for a flood), and each burst
  is audited once, when it starts, instead of one audit row per attempt.

State is in memory, per process: a restart forgets failures (and known-good addresses), which errs towards
letting people in.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

ADDRESS_FREE = 5  # failures an address gets before it must wait
ACCOUNT_FREE = 10  # failures (from unknown addresses) an account gets before unknown addresses must wait
BASE_SECONDS = 1.0
MAX_SECONDS = 15 * 60.0
FORGET_SECONDS = 60 * 60.0  # a key with no failure for this long starts afresh
KNOWN_GOOD_SECONDS = 30 * 24 * 3600.0
MAX_KEYS = 100_000  # bounds memory under a flood from many addresses


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    burst_audited: bool = False


@dataclass(frozen=True, slots=True)
class Hold:
    """Why an attempt is held back: which key ('address' or 'account'), how long to wait, and whether this is
    the first held attempt of the burst (the one to audit)."""

    key: str
    wait_seconds: float
    failures: int
    first_of_burst: bool


def _wait(count: int, free: int) -> float:
    if count < free:
        return 0.0
    return min(BASE_SECONDS * 2.0 ** (count - free), MAX_SECONDS)


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._addresses: OrderedDict[str, _Failures] = OrderedDict()
        self._accounts: OrderedDict[str, _Failures] = OrderedDict()
        self._known: OrderedDict[tuple[str, str], float] = OrderedDict()

    def known_good(self, account: str, address: str) -> bool:
        with self._lock:
            seen = self._known.get((account, address))
            return seen is not None and self.clock() - seen < KNOWN_GOOD_SECONDS

    def check(self, account: str, address: str, *, trusted: bool = False) -> Hold | None:
        """Whether this attempt must wait; ``trusted`` (a browser that logged in to this account before)
        and known-good addresses skip both limits. A burst (failures until success or an hour's quiet) is
        flagged for audit once, at its first held attempt."""
        if trusted or self.known_good(account, address):
            return None
        now = self.clock()
        with self._lock:
            for key, table, name, free in (
                ("address", self._addresses, address, ADDRESS_FREE),
                ("account", self._accounts, account, ACCOUNT_FREE),
            ):
                entry = self._fresh(table, name, now)
                if entry is None:
                    continue
                remaining = entry.last + _wait(entry.count, free) - now
                if remaining > 0:
                    first = not entry.burst_audited
                    entry.burst_audited = True
                    return Hold(key, remaining, entry.count, first)
        return None

    def failed(self, account: str, address: str) -> bool:
        """Count a wrong password; True while this is still worth an audit row of its own (before either key
        is throttled: after that, the burst's one audit row stands for the rest)."""
        now = self.clock()
        quiet = True
        with self._lock:
            for table, name, free in (
                (self._addresses, address, ADDRESS_FREE),
                (self._accounts, account, ACCOUNT_FREE),
            ):
                entry = self._fresh(table, name, now) or _Failures()
                entry.count += 1
                entry.last = now
                quiet = quiet and entry.count <= free
                table[name] = entry
                table.move_to_end(name)
                if len(table) > MAX_KEYS:
                    table.popitem(last=False)
        return quiet

    def succeeded(self, account: str, address: str) -> None:
        """A right password: this address is known-good for this account, and its failures are forgiven."""
        with self._lock:
            self._addresses.pop(address, None)
            self._accounts.pop(account, None)
            self._known[(account, address)] = self.clock()
            self._known.move_to_end((account, address))
            if len(self._known) > MAX_KEYS:
                self._known.popitem(last=False)

    def _fresh(self, table: OrderedDict[str, _Failures], name: str, now: float) -> _Failures | None:
        entry = table.get(name)
        if entry is not None and now - entry.last > FORGET_SECONDS:
            del table[name]
            return None
        return entry
