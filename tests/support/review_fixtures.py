"""The ``review`` and ``client`` fixtures shared by the review, API and console tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bastion.review.service import Review
from bastion.store import Store
from review.support import client_for, make_review


@pytest.fixture
def review(store: Store) -> Iterator[Review]:
    r = make_review(store)
    yield r
    r.close()


@pytest.fixture
def client(review: Review) -> Iterator[TestClient]:
    with client_for(review) as c:
        yield c
