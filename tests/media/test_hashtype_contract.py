"""Every registered hash type keeps the plugin contract: its examples validate (and stay put when validated
again), its bad examples are refused, distance is zero on itself and symmetric, its index finds what was
added and forgets what was removed, and it has a CyberTipline label. A new type passes these by being
registered, with no test of its own needed for the contract."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import combinations

import pytest

from bastion.core.errors import InputError
from bastion.core.hashtype import HASH_TYPES, HashType, HashTypeRegistry
from bastion.media import hash_type
from bastion.media.hashtypes import cybertip_hashes

TYPES = list(HASH_TYPES)


@pytest.fixture(params=TYPES, ids=[t.name for t in TYPES])
def kind(request: pytest.FixtureRequest) -> HashType:
    t: HashType = request.param
    return t


def test_the_built_in_types_are_registered_under_threatexchange_names() -> None:
    assert {"pdq", "video_md5", "video_sha256", "vpdq"} <= set(HASH_TYPES.names())
    assert hash_type("md5").name == "video_md5" and hash_type("SHA256").name == "video_sha256"


def test_examples_validate_to_a_fixed_point(kind: HashType) -> None:
    assert kind.examples, "a hash type needs example values"
    for example in kind.examples:
        value = kind.validate(example)
        assert value and kind.validate(value) == value


def test_bad_examples_are_refused(kind: HashType) -> None:
    assert kind.bad_examples
    for bad in kind.bad_examples:
        with pytest.raises(InputError):
            kind.validate(bad)


def test_distance_is_zero_on_itself_and_symmetric(kind: HashType) -> None:
    values = list(dict.fromkeys(kind.validate(e) for e in kind.examples))
    for v in values:
        assert kind.distance(v, v) == 0
    for a, b in combinations(values, 2):
        assert kind.distance(a, b) == kind.distance(b, a)
        if not kind.perceptual:
            assert kind.distance(a, b) > kind.default_threshold


def test_index_round_trip(kind: HashType) -> None:
    values = list(dict.fromkeys(kind.validate(e) for e in kind.examples))
    index = kind.build_index((v, i) for i, v in enumerate(values))
    for i, v in enumerate(values):
        assert (i, 0) in index.query(v, 0)
        assert kind.never_matches(v) is None  # it matched itself
    assert [(0, 0) in hits for hits in index.query_many(values[:1], 0)] == [True]
    index.remove(values[0], 0)
    assert all(item != 0 for item, _ in index.query(values[0], kind.default_threshold))
    index.remove(values[0], 0)  # a second removal is a no-op


def test_every_type_has_a_cybertip_label_and_unique_spellings(kind: HashType) -> None:
    assert kind.cybertip_label.strip()
    for spelling in (kind.name, kind.field, *kind.aliases):
        assert HASH_TYPES.get(spelling) is kind
    files, perceptual = cybertip_hashes({kind.name: kind.validate(kind.examples[0])})
    assert (perceptual if kind.perceptual else files) == {
        kind.cybertip_label: kind.validate(kind.examples[0])
    }


def test_pdq_index_finds_near_values_within_the_threshold() -> None:
    pdq = hash_type("pdq")
    base = pdq.validate(pdq.examples[0])
    near = f"{int(base, 16) ^ 0b1011:064x}"  # 3 bits off
    index = pdq.build_index([(base, 7)])
    assert index.query(near, pdq.default_threshold) == [(7, 3)] and index.query(near, 2) == []
    assert pdq.distance(base, near) == 3


def test_unknown_names_are_input_errors_that_list_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"known: .*md5"):
        HASH_TYPES.get("tmk-typo")


@dataclass
class _EntryPoint:
    name: str
    value: str
    target: object

    def load(self) -> object:
        if isinstance(self.target, Exception):
            raise self.target
        return self.target


class _Nibble(HashType):
    name = "nibble"
    cybertip_label = "NIBBLE"
    perceptual = True
    default_threshold = 1
    examples = ("0", "f")

    def validate(self, value: str) -> str:
        if len(value.strip()) != 1 or value.strip().lower() not in "0123456789abcdef":
            raise InputError(f"not one hex digit: {value!r}")
        return value.strip().lower()

    def distance(self, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()


def test_plugins_load_from_entry_points_and_a_broken_one_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [
        _EntryPoint("nibble", "tests:_Nibble", _Nibble),
        _EntryPoint("broken", "missing.module:Type", ImportError("No module named 'missing'")),
    ]
    monkeypatch.setattr("bastion.core.hashtype.entry_points", lambda group: eps)
    registry = HashTypeRegistry()
    assert registry.names() == ["nibble"]
    assert registry.plugin_errors and "broken" in registry.plugin_errors[0]
    # a distance-based type without an index of its own gets a linear one that honours its distance
    index = registry.get("nibble").build_index([("0", 1), ("f", 2)])
    assert index.query("1", 1) == [(1, 1)]


def test_a_spelling_cannot_name_two_types() -> None:
    class Clash(_Nibble):
        name = "clash"
        aliases = ("md5",)

    with pytest.raises(InputError, match="already names"):
        HASH_TYPES.register(Clash)
    assert HASH_TYPES.get("md5").name == "video_md5"


def test_a_video_whose_every_frame_is_under_the_quality_bar_never_matches() -> None:
    vpdq = HASH_TYPES.get("vpdq")
    dim = vpdq.validate(json.dumps([[0, 49, "ab" * 32, 0.0], [1, 0, "cd" * 32, 1.0]]))
    assert vpdq.never_matches(dim) == (
        "every frame is under the quality bar (50), and such frames are never compared"
    )
    assert vpdq.build_index([(dim, 0)]).query(dim, 256) == []  # not even itself
    one_bright = vpdq.validate(json.dumps([[0, 49, "ab" * 32, 0.0], [1, 50, "cd" * 32, 1.0]]))
    assert vpdq.never_matches(one_bright) is None
