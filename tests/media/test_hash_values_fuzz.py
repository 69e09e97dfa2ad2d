"""Hash values as partners' lists and platforms' exports carry them, drawn by hypothesis.

Every registered hash type either validates a value or refuses it with an ``InputError``, never another
error; a value it validated has a distance to itself of 0 and to any other validated value within the
type's range (a video whose every frame is under the quality bar matches nothing, itself included), and
its index finds it. vPDQ frame lists come in three spellings, and the values drawn mix
them with wrong qualities (null, a list, infinity, a fraction) and hashes that are short, upper case or not
hex: ``parse_frames`` reads every one without error, keeping only frames with a whole quality and a
64-hex-digit hash (a frame of 64 non-hex characters had passed validation and stopped the distance).
Derandomised.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bastion.core.errors import InputError
from bastion.core.hashtype import HASH_TYPES
from bastion.media import hashtypes  # noqa: F401  (registers the built-in types)
from bastion.media.frames import parse_frames, usable
from support.fuzzing import fuzz

HEX = "0123456789abcdef"
hex64 = st.text(alphabet=HEX, min_size=64, max_size=64)
frame_hash = st.one_of(
    hex64, hex64.map(str.upper), st.text(max_size=70), st.just("z" * 64), hex64.map(lambda h: h[:-1])
)
quality = st.one_of(
    st.integers(-5, 120),
    st.none(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=1),
    st.text(max_size=3),
)
frames_value = st.one_of(
    st.lists(st.tuples(st.integers(0, 9), quality, frame_hash, st.floats(0, 9)).map(list), max_size=4).map(
        json.dumps
    ),
    st.lists(st.builds(lambda h, q: f"{h},{q},0.0", frame_hash, quality), max_size=4).map(json.dumps),
    st.dictionaries(
        st.text(max_size=2), st.fixed_dictionaries({"hash": frame_hash, "quality": quality}), max_size=3
    ).map(lambda d: json.dumps(d, allow_nan=True)),
    st.text(max_size=40),
)
values = st.one_of(frames_value, hex64, st.text(alphabet=HEX, max_size=70), st.text(max_size=70))


@fuzz(300)
@given(frames_value)
def test_frames_are_read_from_any_value_and_only_well_formed_ones_kept(value: str) -> None:
    for q, h in parse_frames(value):
        assert isinstance(q, int) and len(h) == 64 and set(h) <= set(HEX)


@fuzz(300)
@given(st.sampled_from(sorted(HASH_TYPES.names())), values, values)
def test_every_hash_type_validates_or_refuses_and_measures_what_it_validated(
    name: str, a: str, b: str
) -> None:
    kind = HASH_TYPES.get(name)
    kept = []
    for value in (a, b, *kind.examples):
        try:
            kept.append(kind.validate(value))
        except InputError:
            continue
    # a video whose frames are all below the quality bar is well formed and matches nothing (upstream's rule)
    matchable = [x for x in kept if name != "vpdq" or usable(parse_frames(x))]
    for x in kept:
        assert kind.distance(x, x) == (0 if x in matchable else 256)
        for y in kept:
            assert kind.distance(x, y) >= 0
    index = kind.new_index()
    for k, x in enumerate(matchable):
        index.add(x, k)
    for k, x in enumerate(matchable):
        assert k in {item for item, _ in index.query(x, kind.default_threshold)}
