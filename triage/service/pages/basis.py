"""Referrals whose basis a device corrected (``referral.basis``), on the staff pages: the warning on
the referral list, the patient page and the queue, and "reviewed, keep" on the patient page
(cancelling goes through the referral status form that is already there)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from referral import basis
from referral.basis import BasisChange
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import CLINICIAN_ONLY, Principal, allow
from triage.service.pages.account import safe_next
from triage.service.pages.clock import local_time

router = APIRouter()
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]


def shown(change: BasisChange) -> dict[str, Any]:
    """A basis change for a page: ``28.0 -> 2.8 mmol/L`` (the unit once when both values share
    it), the local time, and the resolution (the template names the reading: ``name(code)``)."""
    old = change.old_value
    if change.new_value is not None:
        unit = change.new_value.partition(" ")[2]
        if unit and old.endswith(f" {unit}"):
            old = old.removesuffix(f" {unit}")
    return {
        **change.as_dict(),
        "old_shown": old,
        "at": local_time(change.changed_at),
        "resolved_local": local_time(change.resolved_at) if change.resolved_at else None,
    }


def by_referral(db: Any, referral_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each referral's basis changes for a page, oldest first."""
    return {
        rid: [shown(c) for c in changes] for rid, changes in basis.for_referrals(db, referral_ids).items()
    }


def open_by_encounter(db: Any, encounter_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The queue's warnings: each encounter's open basis changes."""
    return {
        eid: [shown(c) for c in changes]
        for eid, changes in basis.open_in_encounters(db, encounter_ids).items()
    }


@router.post("/referrals/{referral_id}/basis-review")
def review(
    request: Request,
    referral_id: RecordId,
    who: Clinician,
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "/referrals",
) -> Response:
    """Reviewed, keep: the clinician keeps the referral and says why (audited)."""
    rt = runtime_of(request)
    db = rt.databases.get()
    changes = basis.acknowledge(db, referral_id, actor=who.username, reason=reason)
    rt.hub.publish("queue", encounter_id=changes[0].encounter_id, referral_id=referral_id)
    return RedirectResponse(safe_next(back), status_code=303)
