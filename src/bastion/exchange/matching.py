"""HMA's matching and hashing answers, from Bastion's live matcher.

Negative lists are applied before anything is answered: the matcher cancels every positive match of a query
that also matches a negative list (a known false positive), so neither ``/m/lookup`` nor ``/m/raw_lookup``
ever names a bank for it, and a negative list is never itself reported as a match. Every answered match is
counted for flood protection (:mod:`bastion.exchange.flood`) before it is returned.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bastion.core.errors import InputError
from bastion.exchange.banks import Banks
from bastion.media import HASH_TYPES, Match, MediaError, hash_file, normalise

#: HMA's content types and the signal types each one hashes to (threatexchange's names).
CONTENT_TYPES: dict[str, tuple[str, ...]] = {"photo": ("pdq",), "video": ("video_md5", "vpdq")}
MatchSink = Callable[[Sequence[Match]], None]


@dataclass(frozen=True, slots=True)
class Hit:
    content_id: int
    bank: str
    distance: int

    def as_json(self) -> dict[str, Any]:
        return {"bank_content_id": self.content_id, "distance": str(self.distance)}


class Matching:
    """Lookups, comparisons and hashing, shaped as OpenMediaMatch answers them."""

    def __init__(self, banks: Banks, on_matches: MatchSink | None = None) -> None:
        self.banks = banks
        self.on_matches = on_matches

    def _query(self, signal_type: str, signal: str) -> list[Match]:
        kind = self.banks.signal_type(signal_type)
        try:
            value = normalise(kind, signal)
        except InputError as exc:
            raise InputError(f"invalid signal: {exc.message}", field="signal") from exc
        repo = self.banks.repo
        locked = getattr(repo, "match", None)  # the service's LockedRepository: refresh and match together
        if callable(locked):
            result = locked({kind: value})
        else:
            repo.refresh()  # changes by other processes (a sync, the CLI) count at once
            result = repo.matcher.match({kind: value})
        hidden = self.banks.hidden()
        matches = [m for m in result.matches if m.list_name not in hidden]
        if matches and self.on_matches is not None:
            self.on_matches(matches)
        return matches

    def hits(self, signal_type: str, signal: str, banks: set[str] | None = None) -> list[Hit]:
        matches = self._query(signal_type, signal)
        content = self.banks.content_of_entries(m.entry_id for m in matches)
        seen: set[int] = set()
        out = []
        for m in matches:
            cid = content[m.entry_id]
            if cid in seen or (banks is not None and m.list_name not in banks):
                continue
            seen.add(cid)
            out.append(Hit(cid, m.list_name, m.distance))
        return out

    def raw_lookup(
        self, signal_type: str, signal: str, banks: set[str] | None, include_distance: bool
    ) -> dict[str, Any]:
        hits = self.hits(signal_type, signal, banks)
        if include_distance:
            return {"matches": [h.as_json() for h in hits]}
        return {"matches": [h.content_id for h in hits]}

    def lookup(
        self,
        signal_type: str,
        signal: str,
        *,
        banks: set[str] | None = None,
        seed: str | None = None,
        bypass_coinflip: bool = False,
    ) -> dict[str, list[dict[str, Any]]]:
        """{bank: [{bank_content_id, distance}]}; a bank whose ``matching_enabled_ratio`` is under the
        coin flip (seeded by ``seed``) is left out, as HMA does to roll a bank out gradually."""
        hits = self.hits(signal_type, signal, banks)
        ratios = self.banks.ratios()
        coin = 0.0 if bypass_coinflip else random.Random(seed).random()
        out: dict[str, list[dict[str, Any]]] = {}
        for h in hits:
            if ratios.get(h.bank, 1.0) >= coin:
                out.setdefault(h.bank, []).append(h.as_json())
        return out

    def lookup_hashes(
        self, hashes: dict[str, str], *, banks: set[str] | None, seed: str | None, bypass_coinflip: bool
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        return {
            kind: self.lookup(kind, value, banks=banks, seed=seed, bypass_coinflip=bypass_coinflip)
            for kind, value in hashes.items()
        }

    def compare(self, pairs: dict[str, Any]) -> dict[str, Any]:
        """{type: [a, b]} -> {type: [matched, {"distance": d}]} under the type's default threshold."""
        out: dict[str, Any] = {}
        for name, values in pairs.items():
            if not isinstance(values, list):
                raise InputError(f"Comparison hashes for {name} was not a list", field=name)
            if len(values) != 2:
                raise InputError("Comparison hash list length must be exactly 2", field=name)
            kind = HASH_TYPES.get(self.banks.signal_type(name))
            try:
                left, right = (kind.validate(str(v)) for v in values)
            except InputError as exc:
                raise InputError(f"Invalid {name} hash: {exc.message}", field=name) from exc
            distance = kind.distance(left, right)
            out[name] = [distance <= kind.default_threshold, {"distance": distance}]
        return out


def signal_types_for(content_type: str, types: str | None) -> tuple[str, ...]:
    """The signal types a content type hashes to, narrowed by HMA's ``types`` parameter."""
    if content_type not in CONTENT_TYPES:
        raise InputError(f"no such content_type: '{content_type}'", field="content_type")
    wanted = CONTENT_TYPES[content_type]
    if types is None:
        return wanted
    picked = tuple(t.strip() for t in types.split(",") if t.strip())
    for t in picked:
        if t not in wanted:
            raise InputError(f"signal type '{t}' doesn't exist or is disabled", field="types")
    if not picked:
        raise InputError("empty signal type selection", field="types")
    return picked


def hash_media(path: Path, content_type: str, types: str | None = None) -> dict[str, str]:
    """{signal type: value} of one file, as HMA's hasher answers for that content type."""
    wanted = signal_types_for(content_type, types)
    try:
        hashes = hash_file(path)
    except MediaError as exc:
        raise InputError(f"cannot hash the {content_type}: {exc}", field=content_type) from exc
    found: dict[str, str | None] = {"pdq": hashes.pdq, "video_md5": hashes.md5}
    if hashes.vpdq:
        found["vpdq"] = _vpdq_string(hashes.vpdq)
    return {k: v for k in wanted if (v := found.get(k))}


def _vpdq_string(frames: Iterable[Any]) -> str:
    """threatexchange's vPDQ text form: a JSON list of ``"<pdq>,<quality>,<timestamp>"`` per frame."""
    return json.dumps([f"{f.pdq},{f.quality},{float(f.timestamp):.3f}" for f in frames])


def content_type_of(mime: str) -> str:
    if mime.lower().startswith("image"):
        return "photo"
    if mime.lower().startswith("video"):
        return "video"
    raise InputError(
        f"unsupported url ContentType: '{mime}', if you know the expected type, provide it with the "
        "content_type query param",
        field="content_type",
    )
