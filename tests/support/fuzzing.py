"""Hypothesis settings for the property tests that draw whole inputs (platforms, files, payloads).

Derandomised, so CI explores the same examples on every run and a red run is one anyone can re-run; no
deadline, as an example may build a platform or a store; and the health checks that only say an example is
slow or large, or that a function-scoped fixture (a temporary folder reused as scratch) is shared between
examples, are quiet.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


def json_values(*typical: str, max_leaves: int = 5) -> st.SearchStrategy[Any]:
    """Any JSON value a sender might put where the contract says something else: null, booleans, numbers
    (floats with their infinities and NaN), text (and the ``typical`` values of the field, so the right
    type with the right spelling comes up too), and lists and objects of them."""
    leaves: st.SearchStrategy[Any] = st.one_of(
        st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(), st.text(max_size=8)
    )
    if typical:
        leaves = st.one_of(leaves, st.sampled_from(typical))
    return st.recursive(
        leaves,
        lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=4), c, max_size=3)),
        max_leaves=max_leaves,
    )
