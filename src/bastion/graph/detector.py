"""The Detector contract and its registry.

A detector reads a graph handle plus seeds and signal arrays and returns one score per account with the
evidence behind the high ones. The local engine's handle is :class:`AccountGraph`; a Spark engine registers
detectors under ``engine="spark"`` with its own handle type and the same names, so the pipeline and the
combiner do not change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from bastion.core.errors import ConfigError
from bastion.graph.container import AccountGraph, FloatArray, IntArray

G = TypeVar("G")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One checkable fact: which signal, a sentence for the reviewer, and the numbers behind it."""

    signal: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"signal": self.signal, "text": self.text, **dict(self.data)}


@dataclass(slots=True)
class DetectorResult:
    """Scores in [0, 1] per node; evidence only for nodes worth explaining (keeps memory flat)."""

    name: str
    scores: FloatArray
    evidence: dict[int, list[Evidence]] = field(default_factory=dict)
    #: named intermediate arrays later steps reuse (e.g. the contact detector's graph-only reach)
    parts: dict[str, FloatArray] = field(default_factory=dict)

    def add(self, node: int, ev: Evidence) -> None:
        self.evidence.setdefault(node, []).append(ev)


class Detector(ABC, Generic[G]):
    """Base of every detector; ``reads`` names the signal kinds it uses, to know what to scan first."""

    name: ClassVar[str]
    reads: ClassVar[frozenset[str]] = frozenset()
    engine: ClassVar[str] = "local"

    @abstractmethod
    def run(self, graph: G, seeds: IntArray, signals: Mapping[str, FloatArray]) -> DetectorResult:
        """Score every node; ``seeds`` may be empty (seedless discovery)."""


LocalDetector = Detector[AccountGraph]

_REGISTRY: dict[tuple[str, str], Callable[[], Detector[Any]]] = {}


def register(factory: Callable[[], Detector[Any]]) -> Callable[[], Detector[Any]]:
    """Class decorator: make a detector available by (engine, name)."""
    probe = factory()
    _REGISTRY[(probe.engine, probe.name)] = factory
    return factory


def create(name: str, engine: str = "local") -> Detector[Any]:
    try:
        return _REGISTRY[(engine, name)]()
    except KeyError:
        known = ", ".join(sorted(n for e, n in _REGISTRY if e == engine)) or "none"
        raise ConfigError(f"no {engine} detector named {name!r} (known: {known})") from None


def available(engine: str = "local") -> list[str]:
    return sorted(n for e, n in _REGISTRY if e == engine)
