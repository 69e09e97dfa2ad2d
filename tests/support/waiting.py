"""Waiting in tests for something another process or thread does: poll until it holds, or fail saying what."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], seconds: float = 20, what: str = "condition", every: float = 0.05) -> Any:
    """The first truthy value ``check`` returns within ``seconds``; else an AssertionError naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(every)
