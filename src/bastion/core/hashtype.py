"""Hash types as plugins: the small base class every kind of media hash implements, and the one registry.

Modelled on python-threatexchange's ``SignalType``: a hash type names itself (threatexchange's signal-type
name, so banks exchange with HMA without a translation table), validates and normalises a value, measures the
distance between two values, builds the index that finds values within a distance, carries examples for the
contract tests, and says how a CyberTipline report labels it. Ingest validates the hash fields of an export
with it, the matcher indexes bank entries with it, evasion compares accounts' files with it and the report
labels them with it; so it lives in ``core``, which they all may import. Concrete types live with the code
that computes them (``bastion.media.hashtypes``) and register here; third-party types are found through the
entry-point group ``bastion.hash_types`` (each entry point names a :class:`HashType` subclass or instance).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import ClassVar

from bastion.core.errors import InputError

ENTRY_POINT_GROUP = "bastion.hash_types"
log = logging.getLogger(__name__)

#: (item id, distance) pairs an index answers with
Hit = tuple[int, int]


class HashIndex(ABC):
    """Values of one hash type -> the integer ids of the items (bank entries, accounts) that hold them."""

    @abstractmethod
    def add(self, value: str, item: int) -> None:
        """Make ``item`` findable under ``value`` (normalised already)."""

    @abstractmethod
    def remove(self, value: str, item: int) -> None:
        """Stop finding ``item`` under ``value`` (a no-op when it is not there)."""

    @abstractmethod
    def query(self, value: str, threshold: int) -> list[Hit]:
        """Every item with a value within ``threshold`` of ``value``."""

    def query_many(self, values: Sequence[str], threshold: int) -> list[list[Hit]]:
        """One answer per value; an index with a batched search overrides this."""
        return [self.query(v, threshold) for v in values]


class ExactIndex(HashIndex):
    """A dict: what cryptographic hashes need (distance 0 or nothing)."""

    def __init__(self) -> None:
        self._items: dict[str, set[int]] = {}

    def add(self, value: str, item: int) -> None:
        self._items.setdefault(value, set()).add(item)

    def remove(self, value: str, item: int) -> None:
        self._items.get(value, set()).discard(item)

    def query(self, value: str, threshold: int) -> list[Hit]:
        return [(i, 0) for i in sorted(self._items.get(value, ()))]


class LinearIndex(HashIndex):
    """A flat scan with the type's distance: the default for a distance-based type without its own index,
    fine for small lists (a type with many entries brings a real index, as PDQ does)."""

    def __init__(self, distance: Callable[[str, str], int]) -> None:
        self._distance = distance
        self._items: dict[tuple[str, int], None] = {}

    def add(self, value: str, item: int) -> None:
        self._items[(value, item)] = None

    def remove(self, value: str, item: int) -> None:
        self._items.pop((value, item), None)

    def query(self, value: str, threshold: int) -> list[Hit]:
        out = [(i, self._distance(value, v)) for v, i in self._items]
        return sorted((i, d) for i, d in out if d <= threshold)


class HashType(ABC):
    """One kind of hash. Subclasses set the class attributes and implement :meth:`validate`."""

    #: threatexchange's signal-type name: what banks and the hash table store
    name: ClassVar[str]
    #: other spellings accepted on input (bank files, CLI, API), resolved to ``name``
    aliases: ClassVar[tuple[str, ...]] = ()
    #: the key of this hash in a platform export's media object (``posts.media``); "" = ``name``
    export_key: ClassVar[str] = ""
    #: the key of the value's quality (0-100) beside it in the media object, if the type has one
    quality_key: ClassVar[str | None] = None
    #: how a CyberTipline report labels it: ``originalFileHash/@hashType``, or a HASH detail if perceptual
    cybertip_label: ClassVar[str]
    #: near values count (distance-based); a CyberTipline report sends these as details, not file hashes
    perceptual: ClassVar[bool] = False
    #: distance at or under which two values match, when a list does not say otherwise
    default_threshold: ClassVar[int] = 0
    #: valid inputs (any spelling ``validate`` accepts) and inputs it must refuse, for the contract tests
    examples: ClassVar[tuple[str, ...]] = ()
    bad_examples: ClassVar[tuple[str, ...]] = ("", "not a hash")

    @property
    def field(self) -> str:
        return self.export_key or self.name

    @abstractmethod
    def validate(self, value: str) -> str:
        """The normalised value, or :class:`InputError` saying what is wrong with it."""

    def distance(self, a: str, b: str) -> int:
        """0 for the same value; a cryptographic hash knows nothing else."""
        return 0 if a == b else 1

    def never_matches(self, value: str) -> str | None:
        """Why a valid value can match nothing (a list may carry such values: it is kept as listed, and
        the import says so), or None."""
        return None

    def hash_file(self, path: str) -> str | None:
        """This type's value of a file (threatexchange's ``FileHasher``), or None when it cannot compute one
        (the built-in types are computed together, in one read, by ``bastion.media.hashing``)."""
        return None

    def new_index(self) -> HashIndex:
        """An empty index (override to bring a faster one)."""
        return LinearIndex(self.distance) if self.perceptual else ExactIndex()

    def build_index(self, entries: Iterable[tuple[str, int]] = ()) -> HashIndex:
        """An index over (value, item id) pairs, values normalised already."""
        index = self.new_index()
        for value, item in entries:
            index.add(value, item)
        return index

    def __repr__(self) -> str:
        return f"<hash type {self.name}>"


class HashTypeRegistry:
    """Every known hash type by name and alias, in registration order."""

    def __init__(self, group: str | None = ENTRY_POINT_GROUP) -> None:
        self._types: dict[str, HashType] = {}
        self._order: tuple[HashType, ...] = ()  # what iteration hands out (ingest asks once an item)
        self._aliases: dict[str, str] = {}
        self._group = group
        self.plugin_errors: list[str] = []  # entry points that failed to load: reported, not swallowed

    def register(self, hash_type: HashType | type[HashType]) -> HashType:
        """Add a type (a class is instantiated); registering the same name twice replaces it."""
        t = hash_type() if isinstance(hash_type, type) else hash_type
        for spelling in (t.name, *t.aliases, t.field):
            owner = self._aliases.get(spelling.lower(), t.name)
            if owner != t.name:
                raise InputError(f"hash type {t.name!r}: {spelling!r} already names {owner!r}")
        self.unregister(t.name)
        self._types[t.name] = t
        self._order = tuple(self._types.values())
        for spelling in (t.name, *t.aliases, t.field):
            self._aliases[spelling.lower()] = t.name
        return t

    def unregister(self, name: str) -> None:
        if self._types.pop(name, None) is not None:
            self._aliases = {k: v for k, v in self._aliases.items() if v != name}
            self._order = tuple(self._types.values())

    @contextmanager
    def registered(self, hash_type: HashType | type[HashType]) -> Iterator[HashType]:
        """A type for the length of a block (tests, one-off tools)."""
        t = self.register(hash_type)
        try:
            yield t
        finally:
            self.unregister(t.name)

    def load_plugins(self) -> list[str]:
        """Register the types of the entry-point group once; failures are logged and kept in
        ``plugin_errors`` so ``bastion`` can show them, and the other types still load."""
        group, self._group = self._group, None
        if group is None:
            return self.plugin_errors
        for ep in entry_points(group=group):
            try:
                self.register(ep.load())
            except Exception as exc:  # a broken plugin must not take the built-in types down with it
                msg = f"hash type plugin {ep.name!r} ({ep.value}) did not load: {exc}"
                log.warning(msg)
                self.plugin_errors.append(msg)
        return self.plugin_errors

    def find(self, name: str) -> HashType | None:
        if self._group is not None:
            self.load_plugins()
        key = self._aliases.get(name.strip().lower())
        return None if key is None else self._types[key]

    def get(self, name: str, *, field: str | None = None) -> HashType:
        """The type a name, alias or export key means, or InputError listing the known ones."""
        found = self.find(name)
        if found is None:
            known = ", ".join(self.spellings())
            raise InputError(f"unknown hash type {name!r} (known: {known})", field=field)
        return found

    def __iter__(self) -> Iterator[HashType]:
        if self._group is not None:
            self.load_plugins()
        return iter(self._order)

    def names(self) -> list[str]:
        return [t.name for t in self]

    def spellings(self) -> list[str]:
        """Every name, alias and export key accepted, sorted (for error messages)."""
        if self._group is not None:
            self.load_plugins()
        return sorted(self._aliases)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None


#: The registry Bastion consults; ``bastion.media.hashtypes`` registers the built-in types into it.
HASH_TYPES = HashTypeRegistry()

__all__ = [
    "ENTRY_POINT_GROUP",
    "HASH_TYPES",
    "ExactIndex",
    "HashIndex",
    "HashType",
    "HashTypeRegistry",
    "Hit",
    "LinearIndex",
]
