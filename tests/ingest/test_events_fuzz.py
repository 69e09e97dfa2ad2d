"""Live events with rows of any JSON shape, drawn by hypothesis: each is valid or rejected with its field.

A platform's event sender is code of its own: a row may carry a number where the contract says text, a list
where it says one of a few words, an object where it says a time. Whatever the rows, validation gives one
answer per event, valid or rejected naming ``row.<field>``, never an error of its own (the events route
answered 500 for a list in a field of fixed choices: ``unhashable type: 'list'``). Derandomised.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ingest import Ingestor
from bastion.ingest.events import EventLog
from bastion.store import Store
from support.fuzzing import fuzz, json_values

#: Values a field of the contract takes (ids, times, counts, flags, the enums' words), drawn as often as
#: anything else, so that a row's other fields pass and the check reaches the one that holds the odd value.
TYPICAL = (
    "2023-06-07T12:00:00Z",
    "a1",
    "p1",
    "post",
    "story",
    "adult",
    "active",
    "like",
    "account",
    "report",
    "search",
)
values = st.one_of(st.sampled_from(TYPICAL), st.sampled_from([3, True, None]), json_values(*TYPICAL))


@pytest.fixture
def log(store: Store) -> Iterator[EventLog]:
    events = EventLog(Ingestor(store))
    yield events
    events.close()


@fuzz(300)
@given(st.data())
def test_every_live_event_is_valid_or_rejected_naming_its_field(log: EventLog, data: st.DataObject) -> None:
    specs = log.ingestor.specs
    table = data.draw(st.sampled_from(sorted(specs)))
    names = [*specs[table].fields, "extra_field"]
    rows = data.draw(
        st.lists(st.dictionaries(st.sampled_from(names), values, max_size=8), min_size=1, max_size=4)
    )
    items: list[Any] = [{"event_id": f"e{i}", "table": table, "row": r} for i, r in enumerate(rows)]
    valid, rejected = log.validate(items, "shop")
    assert sorted([p.index for p in valid] + [a.index for a in rejected]) == list(range(len(items)))
    for ack in rejected:
        assert ack.field and ack.field.startswith("row") and ack.message, ack
