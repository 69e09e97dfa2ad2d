"""StopNCII deletions: a record withdrawn or deleted at StopNCII leaves our list on the next sync, although
threatexchange 1.2.17 reports it as an addition (see :mod:`bastion.exchange.upstream`)."""

from __future__ import annotations

from collections.abc import Iterator

import dacite
import numpy as np
import pytest
from threatexchange.exchanges.clients.stopncii import api as stopncii_api
from threatexchange.exchanges.impl import stop_ncii_api

from bastion.exchange import ExchangeService, ExchangeSettings
from bastion.exchange.upstream import delta_mapping
from bastion.store import Store
from exchange.standins import StopNCIIStandIn, serve, stopncii_record
from exchange.support import random_pdq


@pytest.fixture
def stopncii() -> Iterator[str]:
    StopNCIIStandIn.pages, StopNCIIStandIn.feedback, StopNCIIStandIn.keys = [], [], []
    StopNCIIStandIn.fetches = []
    with serve(StopNCIIStandIn) as url:
        yield url


def parsed(value: str, status: str) -> stopncii_api.StopNCIIHashRecord:
    return dacite.from_dict(
        stopncii_api.StopNCIIHashRecord,
        stopncii_record(value, status=status),
        config=dacite.Config(cast=[stopncii_api.StopNCIISignalType, stopncii_api.StopNCIICaseStatus]),
    )


def test_threatexchange_still_drops_deletions_so_the_workaround_is_needed() -> None:
    """Fails once threatexchange tests ``hashStatus``: then drop ``StopNCIIWithDeletions``."""
    withdrawn = parsed("ab" * 32, "Withdrawn")
    _, meta = stop_ncii_api._get_delta_mapping(withdrawn)
    assert meta is not None  # upstream: an addition
    assert delta_mapping(withdrawn) == (("pdq", "ab" * 32), None)  # ours: a deletion


@pytest.mark.parametrize("status", ["Withdrawn", "Deleted"])
def test_a_withdrawn_or_deleted_record_is_a_deletion_and_others_are_additions(status: str) -> None:
    assert delta_mapping(parsed("cd" * 32, status))[1] is None
    for live in ("Active", "Received", "Unknown"):
        assert delta_mapping(parsed("cd" * 32, live))[1] is not None


def test_stopncii_deletions_reach_the_list(store: Store, stopncii: str) -> None:
    rng = np.random.default_rng(21)
    a, b, c, d = (random_pdq(rng) for _ in range(4))
    svc = ExchangeService(
        store,
        ExchangeSettings(
            stopncii_subscription_key="sub-key", stopncii_fetch_key="fetch-key", stopncii_base_url=stopncii
        ),
    )
    svc.exchanges.create("STOPNCII", "stop_ncii", {}, by="admin")
    StopNCIIStandIn.pages = [
        {"count": 3, "nextPageToken": None, "nextSetTimestamp": 1_700_000_100, "hasMoreRecords": False,
         "hashRecords": [stopncii_record(a), stopncii_record(b), stopncii_record(c)]},
    ]  # fmt: skip
    assert svc.exchanges.sync("STOPNCII").added == 3

    StopNCIIStandIn.pages = [
        {"count": 2, "nextPageToken": "1", "nextSetTimestamp": 1_700_000_200, "hasMoreRecords": True,
         "hashRecords": [stopncii_record(b, status="Withdrawn"), stopncii_record(d)]},
        {"count": 2, "nextPageToken": None, "nextSetTimestamp": 1_700_000_300, "hasMoreRecords": False,
         "hashRecords": [stopncii_record(c, status="Deleted"), stopncii_record(d, status="Withdrawn")]},
    ]  # fmt: skip
    result = svc.exchanges.sync("STOPNCII")
    assert StopNCIIStandIn.fetches[-2]["startTimestamp"] == ["1700000100"]  # from the saved checkpoint
    assert (result.added, result.deleted) == (1, 3)
    assert {e.value for e in svc.banks.repo.entries("STOPNCII")} == {a}
    assert svc.exchanges.status("STOPNCII")["checkpoint_time"] == 1_700_000_300
