"""The versioned JSON API (``/api/v1``) plus health, readiness, metrics and offline API docs."""

from __future__ import annotations

from fastapi import APIRouter

from triage.service.api import admin, clinical, referrals, system

router = APIRouter()
router.include_router(system.router)
v1 = APIRouter(prefix="/api/v1")
v1.include_router(clinical.router)
v1.include_router(referrals.router)
v1.include_router(admin.router)
router.include_router(v1)

__all__ = ["router"]
