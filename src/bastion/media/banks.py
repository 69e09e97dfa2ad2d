"""Hash lists ("banks"): entries with their list, tags and note; versioned, with history kept on removal.

Signal types are threatexchange's own ``SignalType`` classes (validated and named by them), so a bank can be
exchanged with HMA/ThreatExchange tooling without a translation table. A list may be *negative*: it holds
known false positives, and a query that matches it is not reported as a match of any other list.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal
from threatexchange.signal_type.signal_base import SignalType

from bastion.core.csvcells import read_cell, safe_cell
from bastion.core.errors import InputError, NotFound
from bastion.media.hashtypes import HASH_TYPES

SIGNAL_TYPES: dict[str, type[SignalType]] = {
    cls.get_name(): cls for cls in (PdqSignal, VideoMD5Signal, VideoSHA256Signal)
}
try:  # vPDQ's SignalType lives in threatexchange's extension, which imports the compiled `vpdq` package
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal

    SIGNAL_TYPES[VPDQSignal.get_name()] = VPDQSignal
except ImportError:  # pragma: no cover - vpdq not built on this machine (scripts/install-vpdq.sh)
    pass

PDQ = PdqSignal.get_name()  # "pdq"
MD5 = VideoMD5Signal.get_name()  # "video_md5": threatexchange's MD5 type, used here for any file's MD5
SHA256 = VideoSHA256Signal.get_name()  # "video_sha256"
VPDQ = "vpdq"  # threatexchange VPDQSignal.get_name()
FIELDS = ("type", "value", "list", "tags", "note")


@dataclass(frozen=True, slots=True)
class HashList:
    name: str
    threshold: int = 31  # PDQ distance at or under which an entry of this list matches
    negative: bool = False


@dataclass(frozen=True, slots=True)
class BankEntry:
    signal_type: str
    value: str
    list_name: str
    tags: tuple[str, ...] = ()
    note: str = ""
    added_version: int = 0
    removed_version: int | None = None

    @property
    def active(self) -> bool:
        return self.removed_version is None

    def as_record(self) -> dict[str, Any]:
        return {
            "type": self.signal_type,
            "value": self.value,
            "list": self.list_name,
            "tags": list(self.tags),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Record:
    """One validated line of a bank file."""

    signal_type: str
    value: str
    list_name: str
    tags: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class BankFile:
    lists: tuple[HashList, ...]
    records: tuple[Record, ...]


def signal_type_name(name: str, *, where: str | None = None, line: int | None = None) -> str:
    """The registered hash type's name (threatexchange's) for a name or alias."""
    found = HASH_TYPES.find(name)
    if found is None:
        known = ", ".join(HASH_TYPES.spellings())
        raise InputError(
            f"unknown signal type {name!r} (known: {known})", file=where, line=line, field="type"
        )
    return found.name


def normalise(signal_type: str, value: str, *, where: str | None = None, line: int | None = None) -> str:
    """Validate a value with its hash type (threatexchange's SignalType for the built-in ones); the error
    names the file, line and field."""
    kind = HASH_TYPES.get(signal_type_name(signal_type, where=where, line=line))
    try:
        return kind.validate(value)
    except InputError as exc:
        raise InputError(exc.message, file=where, line=line, field="value") from exc


def _tags(raw: Any, where: str | None, line: int) -> tuple[str, ...]:
    if isinstance(raw, str):
        return tuple(t for t in (x.strip() for x in raw.replace(";", ",").split(",")) if t)
    if raw is None or (isinstance(raw, list) and all(isinstance(t, str | int | float) for t in raw)):
        return tuple(str(t) for t in raw or ())
    raise InputError("tags must be text or a list of tags", file=where, line=line, field="tags")


def parse_records(
    rows: Iterable[Mapping[str, Any]], where: str | None = None, first_line: int = 1
) -> Iterator[Record]:
    for line, rec in enumerate(rows, start=first_line):
        missing = [f for f in ("type", "value", "list") if not rec.get(f)]
        if missing:
            raise InputError("missing required value", file=where, line=line, field=missing[0])
        kind = signal_type_name(str(rec["type"]), where=where, line=line)
        value = normalise(kind, str(rec["value"]), where=where, line=line)
        yield Record(
            kind, value, str(rec["list"]), _tags(rec.get("tags"), where, line), str(rec.get("note") or "")
        )


def _threatexchange_rows(path: Path, list_name: str) -> list[dict[str, str]]:
    """threatexchange's local-file exchange format: one ``<signal_type> <value>`` per line."""
    from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI

    api = LocalFileSignalExchangeAPI(FileCollaborationConfig(name=list_name, filename=str(path)))
    rows = []
    for delta in api.fetch_iter(list(SIGNAL_TYPES.values()), None):
        rows += [{"type": t, "value": v, "list": list_name} for t, v in delta.updates]
    return rows


def read_bank_file(path: str | os.PathLike[str], *, list_name: str | None = None) -> BankFile:
    """CSV (type,value,list[,tags,note]; tags ';'-separated), JSON (Bank export or a list of objects) or
    threatexchange's text format (``.txt``: ``<type> <value>`` lines). ``list_name`` overrides the list."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read bank file: {exc}", file=name) from exc
    lists: list[HashList] = []
    first = 1
    if name.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"invalid JSON: {exc}", file=name) from exc
        if isinstance(data, dict):
            specs = data.get("lists", [])
            if not isinstance(specs, list):
                raise InputError("lists must be a list of list objects", file=name, field="lists")
            for spec in specs:
                try:
                    lists.append(
                        HashList(
                            str(spec["name"]), int(spec.get("threshold", 31)), bool(spec.get("negative"))
                        )
                    )
                except (KeyError, TypeError, ValueError, OverflowError) as exc:
                    raise InputError(f"bad list spec {spec!r}", file=name, field="lists") from exc
            data = data.get("entries", [])
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InputError("expected a list of entry objects", file=name)
        rows: Sequence[Mapping[str, Any]] = data
    elif name.endswith(".txt"):
        rows = _threatexchange_rows(Path(path), list_name or Path(path).stem)
    else:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames is None or not {"type", "value"} <= set(reader.fieldnames):
            raise InputError("CSV header must include type,value[,list]", file=name, line=1)
        if "list" not in reader.fieldnames and list_name is None:
            raise InputError("CSV has no list column: pass a list name", file=name, line=1, field="list")
        rows, first = (
            [{k: read_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in reader],
            2,
        )
    if list_name is not None:
        rows = [{**r, "list": list_name} for r in rows]
        lists = [replace(h, name=list_name) for h in lists[:1]]
    return BankFile(tuple(lists), tuple(parse_records(rows, where=name, first_line=first)))


def export_csv(entries: Iterable[BankEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for e in entries:
        record = {**e.as_record(), "tags": ";".join(e.tags)}
        writer.writerow({k: safe_cell(v) for k, v in record.items()})
    return out.getvalue()


def export_json(lists: Iterable[HashList], entries: Iterable[BankEntry], version: int) -> str:
    specs = [{"name": h.name, "threshold": h.threshold, "negative": h.negative} for h in lists]
    return json.dumps(
        {"version": version, "lists": specs, "entries": [e.as_record() for e in entries]}, indent=1
    )


def export_threatexchange(entries: Iterable[BankEntry]) -> str:
    """threatexchange's local-file format (what ``LocalFileSignalExchangeAPI`` reads and appends)."""
    return "".join(f"{e.signal_type} {e.value}\n" for e in entries)


@dataclass
class Bank:
    """All lists and entries in memory. Entry ids are positions in ``entries`` and never change."""

    lists: dict[str, HashList] = field(default_factory=dict)
    entries: list[BankEntry] = field(default_factory=list)
    version: int = 0

    def add_list(self, hash_list: HashList) -> None:
        if not 0 <= hash_list.threshold <= 63:
            raise InputError(f"list {hash_list.name!r}: threshold must be in 0..63", field="threshold")
        self.lists[hash_list.name] = hash_list
        self.version += 1

    def add(
        self, signal_type: str, value: str, list_name: str, tags: Iterable[str] = (), note: str = ""
    ) -> int:
        """Add one entry (the list is created with defaults if new); returns its entry id."""
        signal_type = signal_type_name(signal_type)
        value = normalise(signal_type, value)
        if list_name not in self.lists:
            self.add_list(HashList(list_name))
        self.version += 1
        self.entries.append(BankEntry(signal_type, value, list_name, tuple(tags), note, self.version))
        return len(self.entries) - 1

    def remove(self, entry_id: int) -> BankEntry:
        """Mark an entry removed at the next version; it stays in ``entries`` as history."""
        if not 0 <= entry_id < len(self.entries) or not self.entries[entry_id].active:
            raise NotFound(f"no active bank entry {entry_id}")
        self.version += 1
        self.entries[entry_id] = replace(self.entries[entry_id], removed_version=self.version)
        return self.entries[entry_id]

    def find(self, signal_type: str, value: str, list_name: str | None = None) -> list[int]:
        signal_type = signal_type_name(signal_type)
        value = normalise(signal_type, value)
        return [
            i
            for i, e in enumerate(self.entries)
            if e.active
            and e.signal_type == signal_type
            and e.value == value
            and (list_name is None or e.list_name == list_name)
        ]

    def active(self) -> Iterator[tuple[int, BankEntry]]:
        return ((i, e) for i, e in enumerate(self.entries) if e.active)

    def lookup(self, entry_ids: Iterable[int]) -> dict[int, BankEntry]:
        return {i: self.entries[i] for i in entry_ids}

    # -- exchange formats ------------------------------------------------------------------------------
    def import_records(self, records: Iterable[Record]) -> list[int]:
        return [self.add(r.signal_type, r.value, r.list_name, r.tags, r.note) for r in records]

    def import_file(self, path: str | os.PathLike[str], *, list_name: str | None = None) -> list[int]:
        parsed = read_bank_file(path, list_name=list_name)
        for spec in parsed.lists:
            self.add_list(spec)
        return self.import_records(parsed.records)

    def export_csv(self) -> str:
        return export_csv(e for _, e in self.active())

    def export_json(self) -> str:
        return export_json(self.lists.values(), (e for _, e in self.active()), self.version)
