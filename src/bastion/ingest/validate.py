"""Turn a raw column batch into driver-ready rows, rejecting exactly the records that break the contract."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bastion.core.errors import InputError
from bastion.ingest.fields import to_json
from bastion.ingest.readers import RawBatch
from bastion.ingest.schema import TableSpec

PLATFORM_COLUMN = "platform"
#: NUL, and lone surrogates (undecodable bytes kept by ``surrogateescape``): neither reaches a database.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> bool:
    """Walks nested JSON values without recursion (a deeply nested line must not overflow the stack)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item) is not None:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


@dataclass
class ValidBatch:
    rows: list[tuple[Any, ...]]
    media: list[tuple[Any, ...]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    platforms: set[str] = field(default_factory=set)


class BatchValidator:
    """Bound to one file's header: which fields it has, which are extra, which required ones are missing."""

    def __init__(self, spec: TableSpec, file_name: str, platform: str, unit: str = "line") -> None:
        self.spec = spec
        self.file_name = file_name
        self.platform = platform
        self.unit = unit
        self.stored = spec.stored_fields
        self.has_media = "media" in spec.fields

    def header_problems(self, columns: list[str]) -> list[str]:
        return [f for f in self.spec.required if f not in columns]

    def validate(self, raw: RawBatch) -> ValidBatch:
        out = ValidBatch(rows=[])
        for line, message in raw.malformed:
            out.errors.append(self._error(message, line, None))
        raw = self._drop_unstorable(raw, out)
        n = raw.size
        if n == 0:
            return out
        cols = raw.columns
        missing = self.header_problems(list(cols))
        if missing:
            for line in raw.lines:
                out.errors.append(self._error("is required", line, missing[0]))
            return out
        checked: dict[str, list[Any]] = {}
        try:
            for name in self.stored:
                checked[name] = self.spec.fields[name].column(cols.get(name) or [None] * n)
            platforms = self._platforms(cols.get(PLATFORM_COLUMN), n)
        except Exception:  # the fast path said 'look closer'; the slow path names the field
            return self._row_by_row(raw, out)
        extras = self._extras(cols, n)
        out.rows = list(zip(platforms, *(checked[f] for f in self.stored), extras, strict=True))
        if self.has_media:
            try:
                media_values = self.spec.fields["media"].column(cols.get("media") or [None] * n)
            except Exception:  # as above: the fast path said 'look closer'
                return self._row_by_row(raw, ValidBatch(rows=[], errors=out.errors))
            self._collect_media(out, platforms, checked[self.spec.key[1]], media_values)
        out.platforms = set(platforms)
        return out

    def _drop_unstorable(self, raw: RawBatch, out: ValidBatch) -> RawBatch:
        """Reject rows holding text no database can store (NUL, bytes that were not UTF-8): on PostgreSQL one
        such value would fail the whole batch's write, and with it every good row beside it."""
        bad: dict[int, str] = {}
        for name, column in raw.columns.items():
            try:
                joined = "\n".join(column)
            except TypeError:  # JSON lines: numbers, lists, objects
                joined = None
            if joined is not None and not UNSTORABLE.search(joined):
                continue
            for i, value in enumerate(column):
                if i not in bad and _unstorable(value):
                    bad[i] = name
        if not bad:
            return raw
        for i, name in sorted(bad.items()):
            message = "holds a NUL character or bytes that are not UTF-8, which cannot be stored"
            out.errors.append(self._error(message, raw.lines[i], name))
        keep = [i for i in range(raw.size) if i not in bad]
        columns = {k: [v[i] for i in keep] for k, v in raw.columns.items()}
        return RawBatch(columns, [raw.lines[i] for i in keep], [], raw.records, raw.bytes_done)

    def _row_by_row(self, raw: RawBatch, out: ValidBatch) -> ValidBatch:
        cols = raw.columns
        extra_names = self._extra_names(cols)
        key_field = self.spec.key[1]
        platform_col = cols.get(PLATFORM_COLUMN)
        for i, line in enumerate(raw.lines):
            values: list[Any] = []
            try:
                platform = self._platform_value(platform_col[i] if platform_col else None)
                for name in self.stored:
                    values.append(self._check(name, cols, i))
                media = self._check("media", cols, i) if self.has_media else None
            except InputError as exc:
                exc.line = line
                out.errors.append(exc)
                continue
            extra = {k: cols[k][i] for k in extra_names if cols[k][i] not in ("", None)}
            out.rows.append((platform, *values, to_json(extra or None)))
            out.platforms.add(platform)
            if media:
                key = values[self.stored.index(key_field)]
                out.media.extend((platform, key, *m) for m in media)
        return out

    def _check(self, name: str, cols: dict[str, list[Any]], i: int) -> Any:
        column = cols.get(name)
        try:
            return self.spec.fields[name].scalar(column[i] if column is not None else None)
        except ValueError as exc:
            raise self._error(str(exc), None, name) from None

    def _platform_value(self, value: Any) -> str:
        if value in ("", None):
            return self.platform
        if not isinstance(value, str) or len(value) > 255:
            raise self._error("must be a platform name", None, PLATFORM_COLUMN)
        return value

    def _platforms(self, column: list[Any] | None, n: int) -> list[str]:
        if column is None:
            return [self.platform] * n
        return [self._platform_value(v) for v in column]

    def _extra_names(self, cols: dict[str, list[Any]]) -> list[str]:
        known = set(self.spec.fields) | {PLATFORM_COLUMN}
        return [k for k in cols if k not in known]

    def _extras(self, cols: dict[str, list[Any]], n: int) -> list[str | None]:
        names = self._extra_names(cols)
        if not names:
            return [None] * n
        out: list[str | None] = []
        for i in range(n):
            extra = {k: cols[k][i] for k in names if cols[k][i] not in ("", None)}
            out.append(to_json(extra or None))
        return out

    def _collect_media(
        self, out: ValidBatch, platforms: list[str], keys: list[Any], media_values: list[Any]
    ) -> None:
        for platform, key, items in zip(platforms, keys, media_values, strict=True):
            if items:
                out.media.extend((platform, key, *m) for m in items)

    def _error(self, message: str, line: int | None, field_name: str | None) -> InputError:
        return InputError(message, file=self.file_name, line=line, field=field_name, unit=self.unit)
