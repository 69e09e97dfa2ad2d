"""What HMA's bank API shows of Bastion's hash lists (a bank, a banked content item) and the checks on the
names and ratios its clients send, apart from how banks are kept (``banks.py``)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from bastion.core.errors import InputError

#: HMA's rule for new bank names (CAPS_AND_UNDERSCORE, not starting with a digit).
BANK_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
ENABLED = 0  # HMA BankContentConfig.ENABLED


@dataclass(frozen=True, slots=True)
class BankView:
    name: str
    matching_enabled_ratio: float
    negative: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "matching_enabled_ratio": self.matching_enabled_ratio}


@dataclass(frozen=True, slots=True)
class Content:
    id: int
    bank: BankView
    disable_until_ts: int
    signals: dict[str, str]
    note: str | None = None
    metadata: dict[str, Any] | None = None
    entry_ids: tuple[int, ...] = field(default=())

    @property
    def enabled(self) -> bool:
        return self.disable_until_ts == ENABLED or self.disable_until_ts < time.time()

    def as_json(self, *, include_signals: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "disable_until_ts": self.disable_until_ts,
            "original_media_uri": None,
            "bank": self.bank.as_json(),
            "metadata": self.metadata,
            "note": self.note,
        }
        if include_signals:
            out["signals"] = dict(self.signals)
        return out


def check_bank_name(name: str) -> str:
    if not BANK_NAME.match(name):
        raise InputError("bank name must match /^[A-Z_][A-Z0-9_]*$/", field="name")
    return name


def check_ratio(value: Any, name: str = "enabled_ratio") -> float:
    try:
        ratio = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number", field=name) from None
    if not 0.0 <= ratio <= 1.0:
        raise InputError(f"{name} must be in 0..1", field=name)
    return ratio
