"""The versioned JSON API (``/api/v1``) plus health, readiness, metrics and offline API docs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from triage.service.api import admin, associations, changes, clinical, etag, faults, held, referrals, system
from triage.service.api.errors import ErrorOut, error, unavailable
from triage.service.api.limits import MAX_BODY_BYTES, ApiBodyLimit
from triage.service.api.media_type import TAKEN

#: The header of a 415 that names the media type a body is taken in (RFC 9110 15.5.16).
ACCEPT = {
    "Accept": {
        "description": f"The media type the body is taken in: {TAKEN} (with a 415 `unsupported_media_type`)",
        "schema": {"type": "string"},
    },
    "Accept-Encoding": {
        "description": "The content codings a body is taken in: identity, uncompressed (with a 415"
        " `unsupported_content_encoding`)",
        "schema": {"type": "string"},
    },
}

ERRORS: dict[int | str, dict[str, Any]] = {
    400: error(
        "The body could not be read (not UTF-8 or not the charset it declares, JSON nested too deeply)"
    ),
    401: error("Not logged in, or unknown API token"),
    403: error("The caller's role may not do this, or the CSRF token is missing"),
    404: error("No such record"),
    413: error(f"The body is larger than {MAX_BODY_BYTES} bytes (1 MiB)"),
    415: error(
        "The body is not JSON by its Content-Type - `text/plain`, a form, none"
        " (`unsupported_media_type`: the `Accept` header names the type taken, application/json) -"
        " or its Content-Type declares a charset that is not known or not one of the web's"
        " (`unsupported_charset`), or it is compressed (`unsupported_content_encoding`: a"
        " Content-Encoding other than identity; `Accept-Encoding: identity`); send the JSON as"
        " UTF-8 with Content-Type: application/json, uncompressed"
    )
    | {"headers": ACCEPT},
    409: error("Conflicts with stored state (transition, duplicate, idempotency)"),
    422: error("Invalid input; the message names the field and the value"),
    500: error("A fault in the service, not in the request (`internal_error`); its log says what failed"),
    503: unavailable("Not ready (engine loading), the database stayed busy or cannot be written"),
}

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token (`POST /api/v1/tokens`, `triage` CLI): `Authorization: Bearer ctk_...`."
    " The staff pages' session cookie is taken too (a write then also needs the X-CSRF-Token header)",
}


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _integer_bounds(node: Any) -> None:
    """Write the bounds of every ``integer`` schema under ``node`` as integers: FastAPI's document
    model holds them as floats, so a body's id bound 2^62 read ``4.611686018427388e+18`` - a client
    that checks it let 4611686018427387999 through (the same float) and the service refused it - and
    every ``minimum: 1`` read ``1.0``, which code generators take for a decimal bound."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for bound in _BOUNDS:
                if isinstance(node.get(bound), float) and node[bound].is_integer():
                    node[bound] = int(node[bound])
        for value in node.values():
            _integer_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _integer_bounds(value)


def _with_security(app: FastAPI) -> None:
    """Declare the bearer token in the OpenAPI document, on every operation that answers 401: the
    document did not say how to authenticate, so a generated client sent no token. (Also writes
    integer bounds as integers, :func:`_integer_bounds`, and declares the API's conditional GETs,
    :mod:`triage.service.api.etag`.)"""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        _integer_bounds(schema)
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = BEARER
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if "401" in operation.get("responses", {}):
                    operation["security"] = [{"bearer": []}]
                if method == "get" and path.startswith("/api/v1/"):
                    etag.declare(operation)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def include(app: FastAPI) -> None:
    """Add the API to ``app``, each module's router directly under its prefix: one level of
    included routers for a request to walk through instead of three (routing was about a tenth
    of a walk-in's CPU time with the nesting)."""
    app.add_middleware(ApiBodyLimit)  # a body over MAX_BODY_BYTES: 413 body_too_large
    faults.install(app)  # an unhandled exception: 500 internal_error, inside CORS (api/faults.py)
    app.include_router(system.router)
    for module in (clinical, referrals, admin, associations, held, changes):
        app.include_router(module.router, prefix="/api/v1", responses=ERRORS)
    _with_security(app)


__all__ = ["ERRORS", "MAX_BODY_BYTES", "ErrorOut", "include"]
