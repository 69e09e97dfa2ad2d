"""The service app: every route authenticated except ``/healthz`` (and the login page and static files the
console needs to let anyone log in at all); errors mapped in :mod:`bastion.api.errors`."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from bastion.api import errors
from bastion.api.deps import Authenticated, ReviewDep, require
from bastion.api.followthrough import FollowThroughSchedule
from bastion.api.routers import admin, cases, intake
from bastion.core.settings import load_settings
from bastion.enforce.settings import load_enforce_settings
from bastion.review.service import Review
from bastion.review.settings import load_review_settings
from bastion.store import Store

log = logging.getLogger("bastion.api")
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
#: Routes anyone may call: health for load balancers, and what a person needs to reach the login form.
PUBLIC_PATHS = ("/healthz", "/login", "/static", "/docs-assets")


def create_app(review: Review | None = None, *, start_workers: bool = True) -> FastAPI:
    """``review=None`` opens the store and settings from the environment when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.review is None
        if owned:
            settings = load_review_settings()
            app.state.review = Review(Store(load_settings().database_url), settings)
        schedule = FollowThroughSchedule(
            app.state.review.store, load_enforce_settings().followthrough_interval_seconds
        )
        if start_workers:
            app.state.review.start()
            schedule.start()
        try:
            yield
        finally:
            if start_workers:
                schedule.stop()
                app.state.review.stop()
            if owned:
                app.state.review.close()
                app.state.review.store.close()
                app.state.review = None

    app = FastAPI(
        title="Bastion",
        summary="Reports that always reach a reviewer: intake, triage, review and audit.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.review = review
    errors.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz(review: ReviewDep) -> JSONResponse:
        """Unauthenticated: 200 when every report reaches a queue within its bound, else 503."""
        health = review.health()
        return JSONResponse(health.as_json(), status_code=200 if health.ok else 503)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: Authenticated) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(_: Authenticated) -> HTMLResponse:
        """Swagger UI from the ``swagger-ui-bundle`` package, served locally: no CDN, works offline."""
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Bastion API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    app.include_router(intake.router)
    app.include_router(cases.router)
    app.include_router(admin.router)
    _include_capabilities(app)
    from bastion.web.console import router as console_router

    app.include_router(console_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
    return app


#: Routers other capabilities write (``api/routers/<name>.py`` with ``router`` and ``get_store``).
CAPABILITY_ROUTERS = ("terms", "guard", "enforce")


def _include_capabilities(app: FastAPI) -> None:
    """Each installed capability's endpoints, behind the same authentication, on the service's store."""

    def store_of(request: Request) -> Any:
        return request.app.state.review.store

    for name in CAPABILITY_ROUTERS:
        try:
            module = importlib.import_module(f"bastion.api.routers.{name}")
        except ImportError as exc:
            log.info("router %s not included: %s", name, exc)
            continue
        if hasattr(module, "get_store"):
            app.dependency_overrides[module.get_store] = store_of
        if hasattr(module, "get_caller"):
            app.dependency_overrides[module.get_caller] = _caller_of(module)
        app.include_router(module.router, dependencies=[Depends(require())])


def _caller_of(module: Any) -> Any:
    """The authenticated principal as the capability's own ``Caller`` (name = actor, role = access)."""

    async def caller(principal: Authenticated) -> Any:
        return module.Caller(principal.name, str(principal.role.value))

    return caller


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
