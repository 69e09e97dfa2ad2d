"""An operator's small text file (a seeds list, a domains list), read whole, with an error that names the file
when it cannot be read or is not UTF-8."""

from __future__ import annotations

from pathlib import Path

from bastion.core.errors import InputError


def read_text_file(path: Path, what: str) -> str:
    """The file's text; ``what`` names it in the error (``"seeds file"``)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", file=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte {exc.start})", file=str(path)) from None
