"""Hypothesis settings for the property tests that draw whole inputs (platforms, files, payloads).

Derandomised, so CI explores the same examples on every run and a red run is one anyone can re-run; no
deadline, as an example may build a platform or a store; and the health checks that only say an example is
slow or large, or that a function-scoped fixture (a temporary folder reused as scratch) is shared between
examples, are quiet.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings


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
