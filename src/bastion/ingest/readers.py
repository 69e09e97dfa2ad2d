"""Streaming readers for CSV, JSONL and Parquet that hand out column batches with their source lines.

Each reader yields at most ``batch_rows`` records at a time and never holds a file whole, so memory stays
flat however large the export is. Records that cannot even be parsed (a CSV row with the wrong number of
fields, a JSONL line that is not an object) come back as ``malformed`` with their line.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from bastion.core.errors import InputError

FORMATS = (".csv", ".jsonl", ".parquet")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class RawBatch:
    """Columns of up to ``batch_rows`` records; ``lines[i]`` locates record ``i`` in its file."""

    columns: dict[str, list[Any]]
    lines: list[int]
    malformed: list[tuple[int, str]] = field(default_factory=list)
    records: int = 0  # records consumed from the file by this batch, malformed included
    bytes_done: int = 0

    @property
    def size(self) -> int:
        return len(self.lines)


class Reader:
    unit = "line"

    def __init__(self, path: Path, batch_rows: int, known: frozenset[str] = frozenset()) -> None:
        self.path = path
        self.batch_rows = batch_rows
        self.total_bytes = path.stat().st_size
        self.known = known  # the table's field names: a header naming none of them is no header

    def _empty(self) -> InputError:
        return InputError("is empty: no header and no rows", file=self.path.name)

    def batches(self, skip: int = 0) -> Iterator[RawBatch]:
        raise NotImplementedError


def text_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16/32 when a byte-order mark says so; text that is
    neither (UTF-16 without a mark, a binary file) is refused rather than read as one odd field per line."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if head.count(0) > len(head) // 8:
        raise InputError(
            "is not UTF-8 text (many NUL bytes: UTF-16 without a byte-order mark, or a binary file); "
            "save it as UTF-8",
            file=path.name,
        )
    return "utf-8"


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class CsvReader(Reader):
    def batches(self, skip: int = 0) -> Iterator[RawBatch]:
        encoding = text_encoding(self.path)
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
            reader = csv.reader(text, strict=False)
            try:
                header = next(reader)
            except StopIteration:
                raise self._empty() from None
            except UnicodeError as exc:
                raise InputError(f"cannot be decoded as {encoding} ({exc})", file=self.path.name) from exc
            header = [h.strip().lstrip("\ufeff") for h in header]
            if len(set(header)) != len(header):
                raise InputError("duplicate column names in header", file=self.path.name, line=1)
            if self.known and not self.known.intersection(header):
                shown = ",".join(header)[:80]
                raise InputError(
                    f"has no header row: line 1 ({shown!r}) names none of the columns "
                    f"({', '.join(sorted(self.known))}); add the header line",
                    file=self.path.name,
                    line=1,
                )
            width = len(header)
            for _ in range(skip):
                if next(reader, None) is None:
                    return
            while True:
                first = reader.line_num + 1
                rows = list(islice(reader, self.batch_rows))
                if not rows:
                    return
                lines = _line_numbers(rows, first, reader.line_num)
                consumed = len(rows)
                malformed: list[tuple[int, str]] = []
                if set(map(len, rows)) != {width}:
                    keep = [i for i, r in enumerate(rows) if len(r) == width]
                    malformed = [
                        (lines[i], f"has {len(r)} fields, the header has {width}")
                        for i, r in enumerate(rows)
                        if len(r) != width and r
                    ]
                    rows = [rows[i] for i in keep]
                    lines = [lines[i] for i in keep]
                yield RawBatch(_columns(header, rows), lines, malformed, consumed, raw.tell())


def _line_numbers(rows: list[list[str]], first: int, last: int) -> list[int]:
    """Where each record starts; only batches whose values hold line breaks need counting."""
    if last - first + 1 == len(rows):
        return list(range(first, first + len(rows)))
    lines, line = [], first
    for row in rows:
        lines.append(line)
        line += 1 + sum(v.count("\n") for v in row)
    return lines


def _columns(header: list[str], rows: list[list[str]]) -> dict[str, list[Any]]:
    if not rows:
        return {h: [] for h in header}
    return {h: list(col) for h, col in zip(header, zip(*rows, strict=True), strict=True)}


class JsonlReader(Reader):
    def batches(self, skip: int = 0) -> Iterator[RawBatch]:
        with self.path.open("rb") as raw:
            for _ in range(skip):
                if not raw.readline():
                    return
            head = raw.read(4096)
            raw.seek(0)
            if not head.strip():
                raise self._empty()
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(0) > len(head) // 8:
                raise InputError(
                    "is not UTF-8 text (UTF-16, or a binary file); JSON lines must be UTF-8",
                    file=self.path.name,
                )
            line_no = skip
            records: list[dict[str, Any]] = []
            lines: list[int] = []
            malformed: list[tuple[int, str]] = []
            consumed = 0
            for blob in raw:
                line_no += 1
                consumed += 1
                if line_no == 1:
                    blob = blob.removeprefix(codecs.BOM_UTF8)
                if blob.strip():
                    try:
                        obj = json.loads(blob)
                    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                        malformed.append((line_no, f"is not valid JSON ({exc})"))
                    else:
                        if isinstance(obj, dict):
                            records.append(obj)
                            lines.append(line_no)
                        else:
                            malformed.append((line_no, "is not a JSON object"))
                if consumed >= self.batch_rows:
                    yield RawBatch(_dict_columns(records), lines, malformed, consumed, raw.tell())
                    records, lines, malformed, consumed = [], [], [], 0
            if consumed:
                yield RawBatch(_dict_columns(records), lines, malformed, consumed, raw.tell())


def _dict_columns(records: list[dict[str, Any]]) -> dict[str, list[Any]]:
    keys: dict[str, None] = {}
    for r in records:
        keys.update(dict.fromkeys(r))
    return {k: [r.get(k) for r in records] for k in keys}


class ParquetReader(Reader):
    """Parquet has no lines: a record is located by its 1-based row number in the file."""

    unit = "row"

    def batches(self, skip: int = 0) -> Iterator[RawBatch]:
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            raise InputError(f"not a readable Parquet file ({exc})", file=self.path.name) from exc
        total = max(pf.metadata.num_rows, 1)
        row = 0
        for batch in pf.iter_batches(batch_size=self.batch_rows):
            n = batch.num_rows
            if row + n <= skip:
                row += n
                continue
            cols = batch.to_pydict()
            lo = max(skip - row, 0)
            if lo:
                cols = {k: v[lo:] for k, v in cols.items()}
            lines = list(range(row + lo + 1, row + n + 1))
            row += n
            yield RawBatch(cols, lines, [], n - lo, int(self.total_bytes * row / total))


def reader_for(path: Path, batch_rows: int, known: frozenset[str] = frozenset()) -> Reader:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvReader(path, batch_rows, known)
    if suffix == ".jsonl":
        return JsonlReader(path, batch_rows, known)
    if suffix == ".parquet":
        return ParquetReader(path, batch_rows, known)
    raise InputError(f"unsupported format {suffix!r}; use .csv, .jsonl or .parquet", file=path.name)
