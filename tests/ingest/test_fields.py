"""The fast column check and the per-value check agree on every value the fast path accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ingest.fields import Choice, Count, FieldType, Flag, Instant, SemicolonList, Text
from bastion.store.types import instant_to_driver

moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timedelta(minutes=m))
stamps = st.one_of(
    moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.tuples(moments, offsets).map(lambda p: p[0].astimezone().astimezone(_tz(p[1])).isoformat()),
    st.sampled_from(["2023-06-07", "2023-06-07T12:00:00", "noon", "", "2023-02-29T00:00:00Z"]),
)


def _tz(delta: timedelta) -> object:
    from datetime import timezone

    return timezone(delta)


def _agree(field: FieldType, values: list[object]) -> None:
    try:
        fast = field.column(list(values))
    except Exception:
        return  # the fast path declined; the slow path decides alone
    assert fast == [field.scalar(v) for v in values]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@given(values=st.lists(stamps, min_size=1, max_size=8))
def test_instants_agree(dialect: str, values: list[str]) -> None:
    _agree(Instant(instant_to_driver(dialect), sqlite=dialect == "sqlite"), values)


@given(values=st.lists(st.one_of(st.text(max_size=12), st.integers(), st.none()), min_size=1, max_size=8))
def test_text_agrees(values: list[object]) -> None:
    _agree(Text(required=True, max_len=10), values)
    _agree(Text(empty=""), values)


@given(values=st.lists(st.sampled_from(["a", "b", "", None, "c", 3]), min_size=1, max_size=8))
def test_choice_agrees(values: list[object]) -> None:
    _agree(Choice(["a", "b"], default="a"), values)


@given(
    values=st.lists(
        st.one_of(st.integers(-5, 10**12), st.sampled_from(["7", " 8", "x", "", "-1", "1.5"])), min_size=1
    )
)
def test_count_agrees(values: list[object]) -> None:
    _agree(Count(), values)


@given(values=st.lists(st.sampled_from([True, False, "true", "0", "yes", "", None, "maybe"]), min_size=1))
def test_flag_agrees(values: list[object]) -> None:
    _agree(Flag(), values)


@given(values=st.lists(st.text(alphabet="ab#; ", max_size=10), min_size=1, max_size=6))
def test_lists_agree(values: list[str]) -> None:
    _agree(SemicolonList(strip_hash=True), values)
    _agree(SemicolonList(), values)


def test_instant_normalises_offsets_to_utc() -> None:
    field = Instant(instant_to_driver("sqlite"), sqlite=True)
    assert field.scalar("2023-06-07T14:30:00+02:00") == "2023-06-07 12:30:00.000000"
    assert field.column(["2023-06-07T12:30:00Z"]) == ["2023-06-07 12:30:00.000000"]
