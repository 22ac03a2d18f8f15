"""The versioned JSON API (``/api/v1``) plus health, readiness, metrics and offline API docs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from triage.service.api import admin, associations, clinical, held, referrals, system


class ErrorOut(BaseModel):
    """The one error shape of every API response that is not a success."""

    ok: bool
    error: str
    code: str
    status: int


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not logged in, or unknown API token"},
    403: {
        "model": ErrorOut,
        "description": "The caller's role may not do this, or the CSRF token is missing",
    },
    404: {"model": ErrorOut, "description": "No such record"},
    409: {
        "model": ErrorOut,
        "description": "Conflicts with stored state (transition, duplicate, idempotency)",
    },
    422: {"model": ErrorOut, "description": "Invalid input; the message names the field and the value"},
    503: {"model": ErrorOut, "description": "Not ready (engine loading) or the database stayed busy"},
}

router = APIRouter()
router.include_router(system.router)
v1 = APIRouter(prefix="/api/v1", responses=ERRORS)
v1.include_router(clinical.router)
v1.include_router(referrals.router)
v1.include_router(admin.router)
v1.include_router(associations.router)
v1.include_router(held.router)
router.include_router(v1)

__all__ = ["router"]
