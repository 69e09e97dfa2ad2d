"""What the Mastodon connector needs kept, as the methods it calls: Bastion hands it implementations backed by
its own store (the enforcer runs as a job of ``bastion serve``; see
``bastion.connectors.mastodon.plugin``), and the connector, which imports only ``bastion.core``, never
touches the store itself.

- :class:`Ledger`: the action feed's cursor, and the audit of every admin API call under its idempotency
  key (a call recorded ``done`` is never made again): ``bastion.enforce.ConnectorLedger``.
- :class:`EvidenceVault`: evidence preserved before a suspension, encrypted, kept for the legal period,
  read only by authorised roles with every access logged: Bastion's preservation vault.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Ledger(Protocol):
    def get(self, key: str, default: str = "") -> str: ...

    def set(self, key: str, value: str) -> None: ...

    def audited(self, key: str) -> str | None: ...

    def audit(self, key: str, action: str, target: str, status: str, detail: str = "") -> None: ...

    def audit_log(self) -> list[dict[str, Any]]: ...


class EvidenceVault(Protocol):
    def preserved(self, key: str) -> int | None:
        """The vault item kept under ``key``, or ``None``."""
        ...

    def keep(self, key: str, account_id: str, record: Mapping[str, Any]) -> int:
        """Encrypt and keep ``record`` under ``key`` for the legal period (the first record under a key is the
        evidence: keeping again returns it); the vault item's id."""
        ...
