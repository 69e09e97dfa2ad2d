"""The service app: every route goes through one gate (:func:`bastion.api.access.authorise`, rules in
:mod:`bastion.api.policy`); only ``/healthz``, the login form and the static files are public. Requests are
bounded (:mod:`bastion.api.limits`), answers carry security headers (:mod:`bastion.api.headers`) and
errors are mapped in :mod:`bastion.api.errors`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from bastion.api import docs, errors
from bastion.api.access import authorise
from bastion.api.deps import ReviewDep
from bastion.api.deps import identify as service_identify
from bastion.api.headers import SecurityHeaders
from bastion.api.limits import ApiLimits, RequestLimits
from bastion.api.policy import POLICY
from bastion.api.routers import admin, cases, intake
from bastion.core.errors import ConfigError
from bastion.system import Bastion, installed
from bastion.system.jobs import Scheduler

log = logging.getLogger("bastion.api")
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
#: Routes anyone may call: health for load balancers (``/status`` is HMA's), and what a person needs to reach
#: the login form.
PUBLIC_PATHS = ("/healthz", "/status", "/login", "/static", "/docs-assets")


def create_app(
    bastion: Bastion | None = None, *, start_workers: bool = True, limits: ApiLimits | None = None
) -> FastAPI:
    """The service over ``bastion``; ``None`` opens one from the environment when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.bastion is None
        if owned:
            app.state.bastion = Bastion.open()
        system: Bastion = app.state.bastion
        app.state.review = system.review
        # Every worker keeps a scheduler; only the elected leader runs the jobs (triage, monitor, syncs…).
        scheduler = Scheduler(system) if start_workers else None
        app.state.scheduler = scheduler
        if scheduler is not None:
            app.state.review.running = True  # canaries are due: this worker or the leader injects them
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
                app.state.review.running = False
            if owned:
                system.close()
                app.state.bastion = None
                app.state.review = None

    app = FastAPI(
        title="Bastion",
        summary="Reports that always reach a reviewer: intake, triage, review and audit.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(authorise)],
    )
    app.state.bastion = bastion
    app.state.review = bastion.review if bastion is not None else None
    app.state.identify = service_identify
    errors.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz(review: ReviewDep) -> JSONResponse:
        """Unauthenticated: 200 when every report reaches a queue within its bound, else 503."""
        health = review.health()
        return JSONResponse(health.as_json(), status_code=200 if health.ok else 503)

    docs.install(app)
    app.include_router(intake.router)
    app.include_router(cases.router)
    app.include_router(admin.router)
    _include_capabilities(app)
    from bastion.web.console import router as console_router

    app.include_router(console_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    app.add_middleware(RequestLimits, limits=limits or (bastion.section("api") if bastion else None))
    app.add_middleware(SecurityHeaders)
    check_policy(app)
    return app


def check_policy(app: FastAPI) -> None:
    """Refuse to build a service with a route that has no access rule (fail closed at start)."""
    served = {(m, path) for path, methods in route_table(app) for m in methods - {"HEAD", "OPTIONS"}}
    missing = sorted(served - POLICY.keys())
    if missing:
        raise ConfigError(f"routes without an access rule in bastion.api.policy: {missing}")


def _include_capabilities(app: FastAPI) -> None:
    """Each installed capability's router (its manifest names it), behind the same gate; routers find the
    store in ``app.state``. A router that cannot be imported fails the start: nothing is silently missing."""

    for cap in installed().capabilities:
        if cap.router is None:
            continue
        app.include_router(cap.router().router)


def route_table(app: FastAPI) -> list[tuple[str, frozenset[str]]]:
    """Every (path, methods) the app serves, including routes of included routers (which newer FastAPI
    keeps behind a lazy wrapper): what the security test walks to prove each one needs authentication."""
    found: list[tuple[str, frozenset[str]]] = []

    def walk(routes: Any, prefix: str) -> None:
        for route in routes:
            original = getattr(route, "original_router", None)
            if original is not None:
                walk(original.routes, prefix + route.include_context.prefix)
            elif hasattr(route, "path"):
                found.append((prefix + route.path, frozenset(getattr(route, "methods", None) or ())))

    walk(app.routes, "")
    return found


app = create_app()
