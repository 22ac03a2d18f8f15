"""Server-rendered staff pages (Jinja + vendored htmx; live queue over server-sent events)."""

from __future__ import annotations

from fastapi import APIRouter

from triage.service.pages import (
    account,
    association,
    basis,
    closure,
    entry,
    held,
    patient_details,
    patients,
    queue,
    referrals_list,
    staff,
)

router = APIRouter(include_in_schema=False)
router.include_router(account.router)
router.include_router(queue.router)
router.include_router(staff.router)
router.include_router(referrals_list.router)
router.include_router(entry.router)
router.include_router(association.router)
router.include_router(held.router)
router.include_router(basis.router)
router.include_router(closure.router)
router.include_router(patient_details.router)
router.include_router(patients.router)

__all__ = ["router"]
