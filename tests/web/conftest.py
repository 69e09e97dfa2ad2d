"""Review-service fixtures, shared with tests/api, tests/review and tests/web; ``live`` serves them to a
real browser."""

from support.browser import live
from support.review_fixtures import client, review

__all__ = ["client", "live", "review"]
