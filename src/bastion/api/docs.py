"""The OpenAPI document and Swagger UI (5.x, from the ``swagger-ui-bundle-v2`` package, served by this
server: no CDN, works offline, reads OpenAPI 3.1; its initialiser is a script file, not inline, so the
Content-Security-Policy can forbid inline scripts).

The document is completed here: models read by hand (``ReportIn``, so clients and fuzzers can build report
bodies) join the components, and every operation documents its error answers with one schema
(:class:`bastion.api.models.ErrorOut`), the one the service really sends, 422 included."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from bastion.api.access import Caller
from bastion.api.models import ErrorOut
from bastion.review.intake import ReportIn

#: Models a route reads by hand (to judge each item of a batch on its own) but documents.
EXTRA_MODELS: tuple[type[BaseModel], ...] = (ReportIn, ErrorOut)
ERRORS = {
    "400": "the body cannot be read (not UTF-8, not the declared media type)",
    "401": "not authenticated",
    "403": "authenticated, but not allowed to do this",
    "404": "not found",
    "409": "the record is not in a state that allows this",
    "413": "request body too large",
    "422": "the request does not match its schema",
    "503": "the store is unavailable",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bastion API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs-assets/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""
INIT = (
    "window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,"
    " presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout'});\n"
)


def _add_models(doc: dict[str, Any]) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in EXTRA_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas.setdefault(model.__name__, schema)


def _document_errors(doc: dict[str, Any]) -> None:
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for code, text in ERRORS.items():
                current = responses.get(code)
                content = (current or {}).get("content", {}).get("application/json", {})
                if current is None or content.get("schema", {}).get("$ref", "").endswith(
                    "/HTTPValidationError"
                ):
                    responses[code] = {
                        "description": (current or {}).get("description") or text,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    }
    schemas = doc.get("components", {}).get("schemas", {})
    if not any("HTTPValidationError" in json.dumps(op) for op in doc.get("paths", {}).values()):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)


def _document_access(doc: dict[str, Any]) -> None:
    """Each operation says who may call it and how a platform token is scoped (from the one policy table)."""
    from bastion.api.policy import POLICY

    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            rule = POLICY.get((method.upper(), path))
            if rule is not None:
                operation["x-roles"] = sorted(rule.roles)
                operation["x-platform-scope"] = str(rule.scope)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        _add_models(doc)
        _document_errors(doc)
        _document_access(doc)
        app.openapi_schema = doc
    return app.openapi_schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: Caller) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(_: Caller) -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_init(_: Caller) -> Response:
        return Response(INIT, media_type="text/javascript")
