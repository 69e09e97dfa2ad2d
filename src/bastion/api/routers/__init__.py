"""FastAPI routers, one per capability, included by the service app."""
