"""Bastion's subclasses of two threatexchange exchange APIs: a fix of StopNCII's deletions, and NCMEC's client
at a chosen base URL.

**StopNCII deletions.** threatexchange 1.2.17 never reports a StopNCII deletion: in
``threatexchange/exchanges/impl/stop_ncii_api.py``, ``_get_delta_mapping`` (line 221) tests the record's
*value* against the case statuses::

    if record.hashValue in (api.StopNCIICaseStatus.Withdrawn, api.StopNCIICaseStatus.Deleted):
        metadata = None

``hashValue`` is the hash string, which never equals an enum member, so a record whose ``hashStatus`` is
``Withdrawn`` or ``Deleted`` comes through as an addition and the withdrawn hash stays listed. A person who
withdrew their image from StopNCII must see it leave our lists, so :class:`StopNCIIWithDeletions` maps the
records itself, on ``hashStatus``. Drop it when threatexchange tests the status (a test pins the bug: it fails
once upstream is fixed, so the fix is noticed).

**NCMEC base URL.** threatexchange's NCMEC client takes its base URL only from its ``NCMECEnvironment``
enum; :class:`NCMECAt` can point it elsewhere (``BASTION_EXCHANGE_NCMEC_BASE_URL``: a proxy, or a stand-in).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.clients.ncmec import hash_api as ncmec
from threatexchange.exchanges.clients.stopncii import api as stopncii
from threatexchange.exchanges.impl.ncmec_api import NCMECCollabConfig, NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import (
    StopNCIICheckpoint,
    StopNCIISignalExchangeAPI,
    StopNCIISignalMetadata,
    _type_mapping,
)

#: The aggregate statuses of a StopNCII record that mean "delete it" (threatexchange's own comments say so).
GONE = (stopncii.StopNCIICaseStatus.Withdrawn, stopncii.StopNCIICaseStatus.Deleted)
Key = tuple[str, str]


def delta_mapping(record: stopncii.StopNCIIHashRecord) -> tuple[Key, StopNCIISignalMetadata | None]:
    """``((signal type, value), metadata)``, metadata ``None`` for a withdrawn or deleted record; an unknown
    signal type maps to ``("", "")``, which the caller drops (as threatexchange does)."""
    type_str = _type_mapping().get(record.signalType)
    if not type_str:
        return ("", ""), None
    if record.hashStatus in GONE:
        return (type_str, record.hashValue), None
    return (type_str, record.hashValue), StopNCIISignalMetadata(record.CSPFeedbacks)


class StopNCIIWithDeletions(StopNCIISignalExchangeAPI):
    """StopNCII whose withdrawn and deleted records arrive as deletions (see the module's note)."""

    @classmethod
    def get_name(cls) -> str:
        return StopNCIISignalExchangeAPI.get_name()  # the same exchange, stored configs unchanged

    def fetch_iter(
        self, _supported_signal_types: Sequence[Any], checkpoint: StopNCIICheckpoint | None
    ) -> Iterator[state.FetchDelta[Key, StopNCIISignalMetadata, StopNCIICheckpoint]]:
        start = checkpoint.update_time if checkpoint is not None else stopncii.StopNCIIAPI.DEFAULT_START_TIME
        for result in self.api.fetch_hashes_iter(start_timestamp=start):
            updates: dict[Key, StopNCIISignalMetadata | None] = {}
            for record in result.hashRecords:
                key, meta = delta_mapping(record)
                if key[0]:
                    updates[key] = meta  # a later record of the same hash replaces an earlier one
            yield state.FetchDelta(updates, StopNCIICheckpoint.from_stopncii_fetch(result))


class NCMECAt(NCMECSignalExchangeAPI):
    """NCMEC whose client talks to ``base_url`` instead of the environment's URL (when one is set)."""

    def __init__(
        self, collab: NCMECCollabConfig, username: str, password: str, base_url: str | None = None
    ) -> None:
        super().__init__(collab, username, password)
        self.base_url = base_url.rstrip("/") if base_url else None

    @classmethod
    def get_name(cls) -> str:
        return NCMECSignalExchangeAPI.get_name()

    def get_client(self, environment: ncmec.NCMECEnvironment) -> ncmec.NCMECHashAPI:
        client = super().get_client(environment)
        if self.base_url is not None:
            client._base_url = self.base_url  # the one place the client keeps it (hash_api.py, __init__)
        return client


__all__ = ["GONE", "NCMECAt", "StopNCIIWithDeletions", "delta_mapping"]
