"""The exchange tests use the review fixtures (a store, a ``Review`` with test settings)."""

from support.review_fixtures import client, review

__all__ = ["client", "review"]
