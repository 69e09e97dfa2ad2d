"""The façade around a test's own ``Review`` (built with test settings), as the service is given it."""

from __future__ import annotations

from bastion.review import Review
from bastion.system import Bastion


def around(review: Review) -> Bastion:
    return Bastion(store=review.store, services={"review": review})
