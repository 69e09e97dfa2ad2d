"""What the service hands its routers through ``app.state`` (the façade, and who is calling).

Routers read these per request instead of the service overriding their dependencies: FastAPI re-analyses
every dependency on every request once ``app.dependency_overrides`` is non-empty, which cost the event API
about a third of its single-request throughput. Tests may still override ``get_store`` on a bare app.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request

from bastion.store import Store


def app_store(request: Request, what: str) -> Store:
    """The service's store; a router mounted without the service answers 503 (fail closed)."""
    bastion: Any = getattr(request.app.state, "bastion", None)
    if bastion is None:
        raise HTTPException(status_code=503, detail=f"{what} store not configured")
    store: Store = bastion.store
    return store


__all__ = ["app_store"]
