"""The versioned JSON API (``/api/v1``) plus health, readiness, metrics and offline API docs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from triage.service.api import admin, associations, clinical, held, referrals, system
from triage.service.api.limits import MAX_BODY_BYTES, ApiBodyLimit


class ErrorOut(BaseModel):
    """The one error shape of every API response that is not a success."""

    ok: bool
    error: str
    code: str
    status: int


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body could not be read (not UTF-8, JSON nested too deeply)"},
    401: {"model": ErrorOut, "description": "Not logged in, or unknown API token"},
    403: {
        "model": ErrorOut,
        "description": "The caller's role may not do this, or the CSRF token is missing",
    },
    404: {"model": ErrorOut, "description": "No such record"},
    413: {"model": ErrorOut, "description": f"The body is larger than {MAX_BODY_BYTES} bytes (1 MiB)"},
    409: {
        "model": ErrorOut,
        "description": "Conflicts with stored state (transition, duplicate, idempotency)",
    },
    422: {"model": ErrorOut, "description": "Invalid input; the message names the field and the value"},
    503: {"model": ErrorOut, "description": "Not ready (engine loading) or the database stayed busy"},
}


def include(app: FastAPI) -> None:
    """Add the API to ``app``, each module's router directly under its prefix: one level of
    included routers for a request to walk through instead of three (routing was about a tenth
    of a walk-in's CPU time with the nesting)."""
    app.add_middleware(ApiBodyLimit)  # a body over MAX_BODY_BYTES: 413 body_too_large
    app.include_router(system.router)
    for module in (clinical, referrals, admin, associations, held):
        app.include_router(module.router, prefix="/api/v1", responses=ERRORS)


__all__ = ["ERRORS", "MAX_BODY_BYTES", "include"]
