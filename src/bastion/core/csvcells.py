"""CSV cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) are written with
a leading single quote, the OWASP advice against CSV injection; Bastion's own readers of its exports take the
quote off again, so an export still re-imports to the same values."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The cell as written: text that would start a formula gets a ``'`` in front; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_cell(value: str) -> str:
    """Undo :func:`safe_cell` when reading an export Bastion wrote."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
