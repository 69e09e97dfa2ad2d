"""vPDQ frame lists in the three spellings met in practice, reduced to what matching needs.

Upstream's rule (threatexchange ``match_VPDQ_hash_brute``) compares videos frame by frame after dropping
frames of quality under 50 and duplicate frame hashes; the same reduction is done here once per video.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

VPDQ_QUALITY = 50  # threatexchange VPDQ_QUALITY_THRESHOLD
VPDQ_QUERY_PERCENT = 80.0  # VPDQ_QUERY_MATCH_THRESHOLD_PERCENT: share of query frames that must match
VPDQ_COMPARED_PERCENT = 0.0  # VPDQ_INDEX_MATCH_THRESHOLD_PERCENT: share of the listed video's frames
_HEX64 = re.compile(r"[0-9a-f]{64}")


def parse_frames(value: str | None) -> list[tuple[int, str]]:
    """(quality, pdq) per frame, from ``[[frame, quality, pdq, ts], ...]`` (``bastion hash``),
    threatexchange's VPDQSignal string (``["pdq,quality,ts", ...]``) or
    ``{frame: {"quality", "hash"}}``; anything else, and any frame whose quality is no whole number or whose
    hash is not 64 hex digits: no frames (a partner's or a platform's malformed value stops nothing)."""
    if not value:
        return []
    try:
        data: Any = json.loads(value)
    except ValueError:
        return []
    items = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    out = []
    for item in items:
        try:
            if isinstance(item, list) and len(item) >= 3:
                out.append((int(item[1]), str(item[2]).lower()))
            elif isinstance(item, str) and item.count(",") == 2:
                pdq, quality, _ = item.split(",")
                out.append((int(quality), pdq.lower()))
            elif isinstance(item, dict) and "hash" in item:
                out.append((int(item.get("quality", 0)), str(item["hash"]).lower()))
        except (ValueError, TypeError, OverflowError):  # a quality that is no whole number: not a frame
            continue
    return [(q, h) for q, h in out if _HEX64.fullmatch(h)]


def usable(frames: Iterable[tuple[int, str]], quality: int = VPDQ_QUALITY) -> list[str]:
    """Distinct frame hashes at or above the quality bar: upstream dedupes first (keeping the first frame of
    each hash), then filters by quality, and so does this."""
    first: dict[str, int] = {}
    for q, h in frames:
        first.setdefault(h, q)
    return [h for h, q in first.items() if q >= quality]
