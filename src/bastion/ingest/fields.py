"""Field types of the export contract, each with a fast column check and a precise per-value check.

Loading validates a whole batch column by column with C-level builtins (``map``, ``set``, ``all``); only a
batch that fails that fast check is walked value by value, so the common case costs little and a bad
row still gets an error naming its field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import methodcaller
from typing import Any

from bastion.core.timefmt import ahead

MAX_ID = 255
_TO_UTC = methodcaller("astimezone", UTC)
_EMPTY = ("", None)


class FieldType:
    """``scalar`` explains a bad value with ValueError; ``column`` may raise anything: 'look closer'."""

    required: bool = False

    def scalar(self, value: Any) -> Any:
        raise NotImplementedError

    def column(self, values: list[Any]) -> list[Any]:
        return [self.scalar(v) for v in values]

    def _missing(self) -> None:
        if self.required:
            raise ValueError("is required")


def _is_all_str(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {str}


class Text(FieldType):
    """Free text or an identifier; CSV's empty string means absent."""

    def __init__(
        self, *, required: bool = False, max_len: int | None = None, empty: str | None = None
    ) -> None:
        self.required = required
        self.max_len = max_len
        self.empty = empty

    def scalar(self, value: Any) -> str | None:
        if value in _EMPTY:
            self._missing()
            return self.empty
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError(f"must be text, got {type(value).__name__}")
        text = str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("is not valid UTF-8") from None
        if self.max_len is not None and len(text) > self.max_len:
            raise ValueError(f"is longer than {self.max_len} characters")
        return text

    def column(self, values: list[Any]) -> list[Any]:
        if not values:
            return values
        if not _is_all_str(values):
            raise TypeError
        "\n".join(values).encode("utf-8")
        if self.max_len is not None and max(map(len, values)) > self.max_len:
            raise ValueError
        if self.required:
            if not all(values):
                raise ValueError
            return values
        empty = self.empty
        return [v or empty for v in values]


def identifier(required: bool = True) -> Text:
    return Text(required=required, max_len=MAX_ID)


_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").fullmatch


def _sqlite_from_canonical(values: list[str]) -> list[str]:
    """``2023-06-07T12:00:00Z`` -> ``2023-06-07 12:00:00.000000`` without building datetimes twice."""
    return [f"{v[:10]} {v[11:19]}.000000" for v in values]


class Instant(FieldType):
    """ISO 8601 with a zone, stored in UTC in the driver's form (``to_driver``).

    Exports almost always write ``...Z``; that spelling has a fast path that only parses (to validate) and
    slices, everything else goes through ``datetime`` arithmetic.
    """

    def __init__(
        self, to_driver: Callable[[datetime], Any], *, required: bool = True, sqlite: bool = False
    ) -> None:
        self.required = required
        self.to_driver = to_driver
        self.sqlite = sqlite

    def scalar(self, value: Any) -> Any:
        if value in _EMPTY:
            self._missing()
            return None
        if isinstance(value, datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from None
        else:
            raise ValueError(f"must be an ISO 8601 timestamp, got {type(value).__name__}")
        if parsed.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone (add Z or +hh:mm)")
        why = ahead(parsed)
        if why is not None:  # nothing exported or sent has happened yet in the future
            raise ValueError(why)
        return self.to_driver(parsed.astimezone(UTC))

    def column(self, values: list[Any]) -> list[Any]:
        if not self.required and not all(values):  # an optional field, absent in some rows
            out: list[Any] = [None] * len(values)
            present = [i for i, v in enumerate(values) if v not in _EMPTY]
            for i, v in zip(present, self.column([values[i] for i in present]), strict=True):
                out[i] = v
            return out
        if not _is_all_str(values):
            raise TypeError
        parsed = list(map(datetime.fromisoformat, values))
        if all(map(_CANONICAL, values)):
            if parsed and ahead(max(parsed)) is not None:
                raise ValueError  # the row-by-row path names the line
            return _sqlite_from_canonical(values) if self.sqlite else parsed
        if any(p.tzinfo is None for p in parsed):
            raise ValueError
        if parsed and ahead(max(map(_TO_UTC, parsed))) is not None:
            raise ValueError
        return list(map(self.to_driver, map(_TO_UTC, parsed)))


class Choice(FieldType):
    """One of a closed set; absent means the contract's default."""

    def __init__(self, allowed: Sequence[str], *, default: str | None = None, required: bool = False) -> None:
        self.allowed = frozenset(allowed)
        self.default = default
        self.required = required

    def scalar(self, value: Any) -> str | None:
        if value in _EMPTY:
            self._missing()
            return self.default
        if not isinstance(value, str) or value not in self.allowed:  # a list or an object is no choice either
            raise ValueError(f"{value!r} is not one of {', '.join(sorted(self.allowed))}")
        return value

    def column(self, values: list[Any]) -> list[Any]:
        seen = set(values)
        if seen <= self.allowed:
            return values
        if not self.required and seen <= self.allowed | {"", None}:
            return [v or self.default for v in values]
        raise ValueError


class Count(FieldType):
    """A non-negative whole number."""

    def __init__(self, *, required: bool = False) -> None:
        self.required = required

    def scalar(self, value: Any) -> int | None:
        if value in _EMPTY:
            self._missing()
            return None
        if isinstance(value, bool):
            raise ValueError("must be a whole number, got a boolean")
        try:
            number = int(value.strip()) if isinstance(value, str) else int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a whole number") from None
        if isinstance(value, float) and value != number:
            raise ValueError(f"{value!r} is not a whole number")
        if number < 0:
            raise ValueError(f"{number} is negative")
        return number

    def column(self, values: list[Any]) -> list[Any]:
        if not set(map(type, values)) <= {str, int}:
            raise TypeError
        numbers = list(map(int, values))
        if numbers and min(numbers) < 0:
            raise ValueError
        return numbers


_BOOLS: dict[Any, bool] = {
    True: True,
    False: False,
    "true": True,
    "false": False,
    "True": True,
    "False": False,
    "TRUE": True,
    "FALSE": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
}


class Flag(FieldType):
    def scalar(self, value: Any) -> bool | None:
        if value in _EMPTY:
            return None
        try:
            return _BOOLS[value]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not true or false") from None

    def column(self, values: list[Any]) -> list[Any]:
        return [None if v in _EMPTY else _BOOLS[v] for v in values]


class SemicolonList(FieldType):
    """``a;b;c`` in CSV, a JSON list elsewhere; stored joined. Hashtags lose a leading ``#``."""

    def __init__(self, *, strip_hash: bool = False) -> None:
        self.strip_hash = strip_hash

    def scalar(self, value: Any) -> str | None:
        if value in _EMPTY:
            return None
        if isinstance(value, str):
            items = value.split(";")
        elif isinstance(value, list | tuple):
            if not all(isinstance(v, str) for v in value):
                raise ValueError("list items must be text")
            items = list(value)
        else:
            raise ValueError(f"must be a ';'-separated list, got {type(value).__name__}")
        cleaned = [i.strip().lstrip("#") if self.strip_hash else i.strip() for i in items]
        return ";".join(i for i in cleaned if i) or None

    def column(self, values: list[Any]) -> list[Any]:
        if not _is_all_str(values):
            raise TypeError
        if any(" " in v or ";;" in v or v.startswith(";") or v.endswith(";") for v in values):
            raise ValueError
        if self.strip_hash and any("#" in v for v in values):
            raise ValueError
        return [v or None for v in values]


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
