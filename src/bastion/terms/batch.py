"""Batch pre-filter: which texts of a batch can match at all.

Why: per text, the leetspeak view costs a translate, a squeeze and an automaton call from Python. Joined into
one string, a batch is folded with one translate, squeezed with numpy and scanned by one automaton call; only
texts with a raw hit (or letters spread out by separators, which the batch view does not join) get the full
matcher.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from bastion.terms.emoji import pictograph_mask
from bastion.terms.joined import SEP, fold_squeeze, squeeze_joined
from bastion.terms.normalize import SPREAD_HINT, decode, prefold
from bastion.terms.views import LEET_HINT, leet_spread


def _separators(joined: str) -> Any:
    if joined.isascii():
        return np.flatnonzero(np.frombuffer(joined.encode("ascii"), dtype=np.uint8) == ord(SEP))
    return np.flatnonzero(np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32) == ord(SEP))


def _pictographs_as_spaces(view: str) -> str:
    mask = pictograph_mask(view)
    if not mask.any():
        return view
    cps = np.frombuffer(view.encode("utf-32-le"), dtype=np.uint32).copy()
    cps[mask] = ord(" ")
    return squeeze_joined(cps.tobytes().decode("utf-32-le"))


def candidates(texts: Sequence[str], automaton: Any, patterns: Sequence[re.Pattern[str]] = ()) -> set[int]:
    """Indices of texts that may match; every other text has no match in any view."""
    ascii_idx = [i for i, t in enumerate(texts) if t.isascii()]
    other_idx = [i for i, t in enumerate(texts) if not t.isascii()]
    picked: set[int] = set()
    for group in (ascii_idx, other_idx):
        if not group:
            continue
        # the rewrites before folding never reach across a SEP, so the whole batch is rewritten at once
        raw = prefold(SEP.join(texts[i] for i in group))
        view = fold_squeeze(raw)
        hints = [m.start() for m in LEET_HINT.finditer(raw)]
        if hints:
            # position p of the raw join belongs to the text after the number of separators before it
            raw_bounds = _separators(raw)
            owners = {int(k) for k in np.searchsorted(raw_bounds, np.asarray(hints))}
            picked.update(group[k] for k in owners if leet_spread(prefold(texts[group[k]])))
        bounds = _separators(view)
        hit_ends = [end for end, _ in automaton.iter(view)] if len(automaton) else []
        # pictographs may separate spread-out letters too: read as spaces, the plain hint finds those
        hinted = view if view.isascii() else _pictographs_as_spaces(view)
        hint_ends = [m.start() for m in SPREAD_HINT.finditer(f"{SEP}{hinted}{SEP}")]  # start+1-1: prefix
        # position p belongs to the text after the number of separators before it
        if hit_ends:
            picked.update(group[int(s)] for s in np.searchsorted(bounds, np.asarray(hit_ends)))
        if hint_ends:
            hint_bounds = bounds if hinted is view else _separators(hinted)
            picked.update(group[int(s)] for s in np.searchsorted(hint_bounds, np.asarray(hint_ends)))
    if patterns:
        for i, t in enumerate(texts):
            if any(p.search(decode(t)) for p in patterns):
                picked.add(i)
    return picked
