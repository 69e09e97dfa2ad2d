"""What the built-in types share: validation by python-threatexchange's own ``SignalType`` classes."""

from __future__ import annotations

from typing import ClassVar

from threatexchange.signal_type.signal_base import SignalType

from bastion.core.errors import InputError
from bastion.core.hashtype import HashType


class ThreatExchangeHashType(HashType):
    """A hash type whose values threatexchange validates (so a bank stays exchangeable with HMA)."""

    signal: ClassVar[type[SignalType]]
    lowercase: ClassVar[bool] = True

    def validate(self, value: str) -> str:
        if not isinstance(value, str):
            raise InputError(f"a {self.name} value must be text, got {type(value).__name__}")
        text = value.strip().lower() if self.lowercase else value.strip()
        try:
            return str(self.signal.validate_signal_str(text))
        except ValueError as exc:
            raise InputError(f"invalid {self.name} value {value[:80]!r}: {exc}") from exc
