"""vPDQ entries in lists matched against video queries with threatexchange's frame-share rule."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from threatexchange.extensions.vpdq.vpdq import VPDQSignal

from bastion.media.banks import VPDQ
from bastion.media.frames import parse_frames, usable
from bastion.media.matcher import Matcher
from bastion.media.pdq_words import hex_to_words, words_to_hex

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "pdq-reference" / "vpdq" / "sample-hashes"


def _sample(name: str) -> list[tuple[int, str]]:
    """(quality, pdq) per frame of upstream's sample hash file (frame,quality,pdq,timestamp lines)."""
    rows = [line.split(",") for line in (SAMPLES / name).read_text().splitlines() if line.strip()]
    return [(int(q), h) for _, q, h, _ in rows]


def _as_signal(frames: list[tuple[int, str]]) -> str:
    """threatexchange's VPDQSignal string: a JSON list of "pdq,quality,timestamp"."""
    return json.dumps([f"{h},{q},{float(i):.3f}" for i, (q, h) in enumerate(frames)])


def _perturb(frames: list[tuple[int, str]], bits: int, seed: int) -> list[tuple[int, str]]:
    rng = np.random.default_rng(seed)
    words = hex_to_words([h for _, h in frames])
    raw = words.view(np.uint8)
    for row in raw:
        for pos in rng.choice(256, bits, replace=False):
            row[pos // 8] ^= np.uint8(1 << (pos % 8))
    return [(q, h) for (q, _), h in zip(frames, words_to_hex(words), strict=True)]


def test_video_matches_listed_video_by_frame_share() -> None:
    door = _sample("doorknob-hd-no-bar.txt")
    padded = _sample("test-padded-dimensions.txt")
    m = Matcher()
    value = _as_signal(door)
    VPDQSignal.validate_signal_str(value)  # the stored form is threatexchange's own
    entry = m.add(VPDQ, value, "videos", tags=["sample"])
    m.add(VPDQ, _as_signal(padded), "videos")
    res = m.match(vpdq=_perturb(door, 8, seed=1))  # a re-encode: every frame a few bits off
    (hit,) = res.matches
    assert hit.entry_id == entry and hit.variant == "video" and hit.query_match_percent == 100.0
    assert hit.compared_match_percent is not None and hit.compared_match_percent > 0
    # upstream's rule: at least 80% of the query's distinct usable frames must be found in the listed video
    short = usable(door)
    unrelated = usable(_perturb(door, 120, seed=2))
    mixed = [(100, h) for h in short[:7] + unrelated[:3]]  # 70% of frames from the listed video
    assert not m.match(vpdq=mixed).matched
    mixed = [(100, h) for h in short[:9] + unrelated[:1]]  # 90%
    assert m.match(vpdq=mixed).matches[0].entry_id == entry
    assert not m.match(vpdq=_perturb(door, 100, seed=3)).matched


def test_removed_video_stops_matching_and_low_quality_frames_are_ignored() -> None:
    door = _sample("doorknob-hd-no-bar.txt")
    m = Matcher()
    entry = m.add(VPDQ, _as_signal(door), "videos")
    assert not m.match(vpdq=[(10, h) for _, h in door]).matched  # every frame under quality 50
    m.remove(entry)
    assert not m.match(vpdq=door).matched


def test_frame_formats_agree() -> None:
    door = _sample("doorknob-hd-no-bar.txt")[:5]
    bastion_form = json.dumps([[i, q, h, float(i)] for i, (q, h) in enumerate(door)])
    dict_form = json.dumps({str(i): {"quality": q, "hash": h} for i, (q, h) in enumerate(door)})
    assert parse_frames(_as_signal(door)) == parse_frames(bastion_form) == parse_frames(dict_form) == door
    assert parse_frames("[1, 2") == [] and parse_frames(None) == []


@pytest.mark.parametrize("name", ["doorknob-hd-no-bar.txt"])
def test_agrees_with_threatexchange_compare_hash(name: str) -> None:
    door = _sample(name)
    query = _perturb(door, 20, seed=4)
    m = Matcher()
    m.add(VPDQ, _as_signal(door), "videos")
    ours = m.match(vpdq=query).matches
    theirs = VPDQSignal.compare_hash(_as_signal(query), _as_signal(door))
    assert bool(ours) == theirs.match
    if ours:
        assert ours[0].query_match_percent == pytest.approx(theirs.distance.query_match_percent)
        assert ours[0].compared_match_percent == pytest.approx(theirs.distance.compared_match_percent)
