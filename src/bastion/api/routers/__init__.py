"""FastAPI routers, one per capability, included by the service app."""

__all__: list[str] = []  # each router module is loaded by its capability's manifest
