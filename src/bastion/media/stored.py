"""What the repository hands out: hash lists and their entries as stored, with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bastion.media.banks import BankEntry


@dataclass(frozen=True, slots=True)
class ListInfo:
    name: str
    threshold: int
    negative: bool
    note: str
    created_by: str
    created_at: datetime
    entries: int  # active


@dataclass(frozen=True, slots=True)
class StoredEntry:
    entry_id: int
    list_name: str
    signal_type: str
    value: str
    tags: tuple[str, ...]
    note: str
    added_by: str
    added_at: datetime
    removed_by: str | None
    removed_at: datetime | None

    def as_bank_entry(self) -> BankEntry:
        return BankEntry(
            self.signal_type,
            self.value,
            self.list_name,
            self.tags,
            self.note,
            removed_version=None if self.removed_at is None else 1,
        )


@dataclass(frozen=True, slots=True)
class ImportSummary:
    lists: tuple[str, ...]
    added: int
    skipped: int  # already active in the same list
    #: of those added, why some can never match (the reason, and how many), as their types say
    unmatchable: tuple[tuple[str, int], ...] = ()
