"""HTTP API of Bastion: ``bastion.api:app`` (FastAPI). Capabilities add routers under ``api/routers``.

The module-level ``app`` is built on first access so importing a router does not build the service.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("app", "create_app"):
        return getattr(importlib.import_module("bastion.api.service"), name)
    raise AttributeError(name)


__all__ = ["app", "create_app"]
