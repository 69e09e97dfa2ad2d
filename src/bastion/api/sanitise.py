"""What a database cannot store, found in one report before it reaches the shared write: a NUL character
(PostgreSQL text refuses it), a lone surrogate (not UTF-8), NaN or Infinity (not JSON; PostgreSQL's jsonb
refuses them), an integer beyond 64 bits, or nesting deeper than :data:`MAX_DEPTH`. Such a report is
rejected on its own, naming the field, and the other reports of the batch are stored."""

from __future__ import annotations

import math

MAX_DEPTH = 16
INT64 = 2**63 - 1


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "contains a lone surrogate (not valid UTF-8)"
    return None


def poison(value: object, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(field path, problem) for the first unstorable value in ``value``, else ``None``."""
    if depth > MAX_DEPTH:
        return path or "report", f"nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        problem = _text_problem(value)
        return (path or "report", problem) if problem else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path or "report", "NaN and Infinity are not JSON numbers")
    if isinstance(value, int):
        return None if -INT64 - 1 <= value <= INT64 else (path or "report", "integer beyond 64 bits")
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key).encode("utf-8", "backslashreplace").decode().replace("\x00", "\\0")
            where = f"{path}.{name}" if path else name
            problem = _text_problem(str(key))
            if problem:
                return where, f"key {problem}"
            found = poison(item, where, depth + 1)
            if found:
                return found
        return None
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = poison(item, f"{path}.{i}" if path else str(i), depth + 1)
            if found:
                return found
    return None
