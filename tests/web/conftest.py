"""Review-service fixtures, shared with tests/api, tests/review and tests/web."""

from support.review_fixtures import client, review

__all__ = ["client", "review"]
