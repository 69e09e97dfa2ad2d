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
from support.fuzzing import fuzz

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**20),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["2023-06-07T12:00:00Z", "a1", "post", "adult", "like", "true", "3"]),
)
anything = st.recursive(
    scalars,
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=4), c, max_size=3)),
    max_leaves=5,
)


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
        st.lists(st.dictionaries(st.sampled_from(names), anything, max_size=8), min_size=1, max_size=4)
    )
    items: list[Any] = [{"event_id": f"e{i}", "table": table, "row": r} for i, r in enumerate(rows)]
    valid, rejected = log.validate(items, "shop")
    assert sorted([p.index for p in valid] + [a.index for a in rejected]) == list(range(len(items)))
    for ack in rejected:
        assert ack.field and ack.field.startswith("row") and ack.message, ack
