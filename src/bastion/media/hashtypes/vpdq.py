"""vPDQ: per-frame PDQ of a video, as a JSON list in any of the spellings :func:`..frames.parse_frames` reads
(threatexchange's ``VPDQSignal`` string among them)."""

from __future__ import annotations

import json

from bastion.core.errors import InputError
from bastion.core.hashtype import HashIndex, HashType, Hit, LinearIndex
from bastion.media.frames import VPDQ_QUALITY, VPDQ_QUERY_PERCENT, parse_frames, usable
from bastion.media.index import DEFAULT_RADIUS


def _frames(value: str) -> list[str]:
    return usable(parse_frames(value))


class VPDQ(HashType):
    name = "vpdq"  # threatexchange VPDQSignal.get_name() (its extension needs the compiled vpdq package)
    cybertip_label = "vPDQ"
    perceptual = True
    default_threshold = DEFAULT_RADIUS  # per frame, as threatexchange's VPDQ_DISTANCE_THRESHOLD
    examples = (
        json.dumps([[0, 100, "f" * 64, 0.0], [1, 90, "0" * 64, 1.0]]),
        json.dumps(["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,0.000"]),
        json.dumps({"0": {"quality": 80, "hash": "a" * 64, "timestamp": 0.0}}),
    )
    bad_examples = ("", "not json", "[]", json.dumps([[0, 100, "f" * 10, 0.0]]))

    def validate(self, value: str) -> str:
        if not isinstance(value, str):
            raise InputError(f"a vpdq value must be text, got {type(value).__name__}")
        text = value.strip()
        if not parse_frames(text):
            raise InputError(f"invalid vpdq value {value[:80]!r}: no frames of a 64-hex PDQ hash")
        return text

    def never_matches(self, value: str) -> str | None:
        if _frames(value):
            return None
        return f"every frame is under the quality bar ({VPDQ_QUALITY}), and such frames are never compared"

    def distance(self, a: str, b: str) -> int:
        """The nearest pair of usable frames (256 when either video has none): 0 for the same video."""
        fa, fb = _frames(a), _frames(b)
        return min(((int(x, 16) ^ int(y, 16)).bit_count() for x in fa for y in fb), default=256)

    def new_index(self) -> HashIndex:
        return VpdqIndex()


class VpdqIndex(LinearIndex):
    """threatexchange's frame rule: a listed video matches when enough of the query's frames are near some
    frame of it; the distance reported is the nearest frame pair (the matcher keeps its own faster index)."""

    def __init__(self) -> None:
        super().__init__(VPDQ().distance)

    def query(self, value: str, threshold: int) -> list[Hit]:
        mine = _frames(value)
        out = []
        for other, item in self._items:
            theirs = _frames(other)
            near = [min(((int(q, 16) ^ int(t, 16)).bit_count() for t in theirs), default=256) for q in mine]
            if mine and 100.0 * sum(d <= threshold for d in near) / len(mine) >= VPDQ_QUERY_PERCENT:
                out.append((item, min(near)))
        return sorted(out)
