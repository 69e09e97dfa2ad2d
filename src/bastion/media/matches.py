"""What a media match says: the list entry a hash matched, how near, through which query variant, and the
matches a negative list suppressed (kept so a suppression is visible to the reviewer)."""

from __future__ import annotations

from dataclasses import dataclass

from bastion.media.banks import VPDQ, BankEntry


@dataclass(frozen=True, slots=True)
class Match:
    list_name: str
    entry_id: int
    entry: BankEntry
    distance: int
    # which query variant matched: "original", a dihedral transform, a re-framing ("pad-left5"); "video" or
    # "frame" for vPDQ
    variant: str = "original"
    query_match_percent: float | None = None  # vPDQ: share of the query's frames found in the entry
    compared_match_percent: float | None = None  # vPDQ: share of the entry's frames found in the query

    @property
    def tags(self) -> tuple[str, ...]:
        return self.entry.tags

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "list": self.list_name,
            "entry_id": self.entry_id,
            "type": self.entry.signal_type,
            "value": self.entry.value if self.entry.signal_type != VPDQ else "(vpdq)",
            "tags": list(self.entry.tags),
            "note": self.entry.note,
            "distance": self.distance,
            "variant": self.variant,
        }
        if self.query_match_percent is not None:
            out["query_match_percent"] = round(self.query_match_percent, 2)
            out["compared_match_percent"] = round(self.compared_match_percent or 0.0, 2)
        return out


@dataclass(frozen=True, slots=True)
class MatchResult:
    quality: int | None
    matches: tuple[Match, ...]
    suppressed: tuple[Match, ...] = ()  # positive matches cancelled by a negative list
    negatives: tuple[Match, ...] = ()  # the negative-list entries that did the cancelling
    pdq_skipped: str | None = None  # why PDQ was not matched (e.g. low quality)

    @property
    def matched(self) -> bool:
        return bool(self.matches)


def better(new: Match, old: Match | None) -> bool:
    """The query as it is wins whenever it matches, so a variant is named only when it was needed; among
    variants, the nearest."""
    if old is None:
        return True
    if (new.variant == "original") != (old.variant == "original"):
        return new.variant == "original"
    return new.distance < old.distance
