"""The review service fixtures (a store, ``review``, ``client``) for the connector tests."""

from support.review_fixtures import client, review

__all__ = ["client", "review"]
