"""Signal kinds: what each kind of signal means, declared once by the capability that produces it.

A capability declares its kinds in one module of its own package (``terms/kinds.py``, ``media/kinds.py``,
...) with :func:`register`; every consumer (detection, triage, the guards) reads a kind's hints from the
:class:`SignalKind` and keys its own weights by the kind's name. A consumer never needs a list of kinds: a
kind it does not know reads with the hints below, so a new signal is "define the kind and produce it", and
signals stored by a plugin that is not installed still read (:func:`lookup` returns a default kind).

The defaults are deliberately weak: an unknown kind is a modest own-signal for detection (a conservative
member rate, a low cap on what it may say) and adds a little to a case's triage priority; it is never a
requirement and never raises.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import entry_points
from pathlib import Path


class Side(StrEnum):
    """Which side of a network a kind speaks for: what an advertiser shows, or what a customer does."""

    SELLER = "seller"
    BUYER = "buyer"


#: Detection: assumed share of network members that carry a kind nobody gave a member rate for. Low on
#: purpose: an unknown kind must never become a requirement, and its presence says little.
DEFAULT_MEMBER_RATE = 0.1
#: Detection: the most (in log-odds) one full-strength signal of a kind may say, unless the kind says more.
DEFAULT_MAX_LLR = 4.0
#: Detection: the cap for a kind whose producer gave no hints at all (a weak own-signal).
UNKNOWN_MAX_LLR = 2.0
#: Triage: what a kind adds to a case's priority score when its producer gave no triage weight.
DEFAULT_TRIAGE_WEIGHT = 0.05


@dataclass(frozen=True, slots=True, eq=False)
class SignalKind:
    """One kind of signal: its name (as stored), what it attaches to and means, and consumers' hints.

    Equal to another kind, or to a plain string, with the same name (stored rows carry the name), so
    ``{HASH_MATCH: 0.35}`` and ``kind in ("term_match", ...)`` work alike; ``str(kind)`` is the name.
    """

    name: str
    #: the entity types (``core.model.EntityType`` values) a signal of this kind is written on; the
    #: repository refuses others (empty: any, as for a kind nobody declared)
    attaches_to: frozenset[str] = frozenset()
    #: what it means, in one line a reviewer understands
    means: str = "a signal from a capability this installation does not describe"
    #: how its score is read (what 0 and 1 are)
    strength: str = "0 none .. 1 certain"
    #: detection reads it as an account's own evidence (False: outputs, labels, guard decisions)
    evidence: bool = True
    #: detection: assumed share of network members that carry it (the base-rate null's one assumption)
    member_rate: float = DEFAULT_MEMBER_RATE
    #: detection: the most one full-strength signal may say, in log-odds
    max_llr: float = UNKNOWN_MAX_LLR
    side: Side = Side.SELLER
    #: detection: describes how an account is used (its age, its posting format), not what it does or
    #: says; ordinary cohorts share such kinds together (a class that joins at once and posts stories), so
    #: all profile kinds count as one kind where detection asks for several independent kinds
    profile: bool = False
    #: detection: the signal itself ties its holders together (a link domain a few accounts share), so two
    #: tied accounts that hold the same item are coordinated, not merely alike, wherever they sit (the graph
    #: keeps who holds what, ``AccountGraph.shared``; where it does not, both carrying it is read so)
    coordination: bool = False
    #: detection: friends share it innocently (a hobby's words), as a class that joins together shares the
    #: profile kinds: a friendship (contacts both ways) between two accounts that carry nothing but such
    #: kinds is homophily, not a tie to an independent strong member
    friends_share: bool = False
    #: detection: its strength is a concentration (how much of it, not whether): where so many of the
    #: platform's accounts carry a little of it that carrying it at all says next to nothing (routine
    #: disputes on a trading platform), it counts from the strength that few enough accounts reach
    graded: bool = False
    #: triage: what it adds to the priority score of a case on an account that carries it
    triage_weight: float = DEFAULT_TRIAGE_WEIGHT
    #: triage: carrying it raises a case's severity (strong, checkable evidence)
    raises_severity: bool = False
    #: the words a dossier shows for one account's value (``{v}`` is the strength)
    words: str = field(default="")

    def __post_init__(self) -> None:
        if not self.name or self.name != self.name.strip():
            raise ValueError(f"a signal kind needs a name without surrounding spaces, got {self.name!r}")
        if not 0.0 < self.member_rate < 1.0:
            raise ValueError(f"{self.name}: member_rate must be in (0, 1), got {self.member_rate}")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SignalKind):
            return self.name == other.name
        if isinstance(other, str):
            return self.name == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __str__(self) -> str:
        return self.name

    def attaches(self, entity_type: str) -> bool:
        return not self.attaches_to or str(entity_type) in self.attaches_to

    def describe(self, value: float) -> str:
        """The dossier's words for one account's strength of this kind."""
        return (self.words or self.name + " (strength {v:.2f})").format(v=value)


#: ``attaches_to`` of the kinds written on accounts only.
ON_ACCOUNTS = frozenset({"account"})


class KindConflict(ValueError):
    """Two different declarations for one kind name (two plugins claiming the same name)."""


_lock = threading.Lock()
_kinds: dict[str, SignalKind] = {}


def register(*kinds: SignalKind) -> tuple[SignalKind, ...]:
    """Declare kinds a capability produces (idempotent for the same declaration)."""
    with _lock:
        for kind in kinds:
            known = _kinds.get(kind.name)
            if known is not None and _fields(known) != _fields(kind):
                raise KindConflict(f"signal kind {kind.name!r} is already declared differently")
            _kinds[kind.name] = kind
    return kinds


def unregister(*kinds: SignalKind | str) -> None:
    """Forget kinds (tests and plugins that unload); unknown names are ignored."""
    with _lock:
        for kind in kinds:
            _kinds.pop(str(kind), None)


def lookup(name: SignalKind | str) -> SignalKind:
    """The declared kind of that name, or a default kind (weak evidence, low triage weight) for a name no
    installed capability declares, so stored signals always read.

    The first miss loads every installed capability's declarations (see :func:`discover`), so the answer
    does not depend on which capabilities this process happened to import first."""
    key = str(name)
    known = _kinds.get(key)
    if known is None and _passes < _MAX_PASSES and not _running:
        discover()
        known = _kinds.get(key)
    if known is not None:
        return known
    return name if isinstance(name, SignalKind) else SignalKind(key)


def named(name: str) -> SignalKind:
    """A reference to a kind another capability declares, for a consumer that reads it by name (the stored
    contract) without importing that capability. Equal to the declared kind; :func:`lookup` gives its hints.
    """
    return _kinds.get(name) or SignalKind(name)


#: Entry-point group through which a plugin outside this package declares its kinds (a module to import).
ENTRY_POINT_GROUP = "bastion.signal_kinds"
#: Discovery runs until one pass loads everything, at most this often (a pass that fails, e.g. on a
#: capability still being imported, is retried on a later miss; a dependency that stays missing is logged).
_MAX_PASSES = 3
_passes = 0
_running = False
_log = logging.getLogger(__name__)


def discover() -> list[str]:
    """Import each capability's ``kinds`` module (``bastion/<capability>/kinds.py``) and each plugin's
    ``bastion.signal_kinds`` entry point; returns what could not be loaded (also logged)."""
    global _passes, _running
    _running = True
    try:
        failed = _load_declarations()
    finally:
        _running = False
    _passes = _MAX_PASSES if not failed else _passes + 1
    for problem in failed:
        _log.warning("signal kinds not loaded: %s", problem)
    return failed


def _load_declarations() -> list[str]:
    root = __name__.split(".")[0]
    here = Path(__file__).resolve().parent.parent
    modules = sorted(f"{root}.{p.parent.name}.kinds" for p in here.glob("*/kinds.py"))
    failed: list[str] = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:  # an optional dependency of that capability is missing
            failed.append(f"{module}: {exc}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except ImportError as exc:
            failed.append(f"{ep.name}: {exc}")
    return failed


def is_declared(name: SignalKind | str) -> bool:
    return str(name) in _kinds


def declared() -> tuple[SignalKind, ...]:
    """Every declared kind, by name."""
    with _lock:
        return tuple(_kinds[k] for k in sorted(_kinds))


def _fields(kind: SignalKind) -> tuple[object, ...]:
    return tuple(getattr(kind, f) for f in SignalKind.__dataclass_fields__)


__all__ = [
    "DEFAULT_MAX_LLR",
    "DEFAULT_MEMBER_RATE",
    "DEFAULT_TRIAGE_WEIGHT",
    "ON_ACCOUNTS",
    "UNKNOWN_MAX_LLR",
    "KindConflict",
    "Side",
    "SignalKind",
    "declared",
    "discover",
    "is_declared",
    "lookup",
    "named",
    "register",
    "unregister",
]
