"""Referrals whose basis a device corrected (``referral.basis``), on the staff pages: the warning on
the referral list, the patient page and the queue, and "reviewed, keep" on the patient page
(cancelling goes through the referral status form that is already there)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from referral import basis
from referral.basis import BasisChange
from referral.clock import Clock
from referral.errors import ConflictError
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import CLINICIAN_ONLY, Principal, allow
from triage.service.pages.account import safe_next
from triage.service.pages.clock import local_time
from triage.service.pages.forms import done_last

router = APIRouter()
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]


def shown(
    change: BasisChange, clinic: Clock, readings: Mapping[int, basis.Readings] | None = None
) -> dict[str, Any]:
    """A basis change for a page: the local time (``clinic``'s), the resolution, and ``old_reading`` and
    ``new_reading``, the stored readings the change names (``referral.basis.readings``) when they
    are known: the template shows them as the readings table does (``EngineText.change``: "28 ->
    8.2 mmol/L"), since the change keeps its values as they were written then (every digit of a
    conversion, the UCUM unit), unchanged. The template names the reading: ``name(code)``."""
    before, after = (readings or {}).get(change.id, (None, None))
    return {
        **change.as_dict(),
        "old_reading": before,
        "new_reading": after,
        "at": local_time(change.changed_at, clinic=clinic),
        "resolved_local": local_time(change.resolved_at, clinic=clinic) if change.resolved_at else None,
    }


def by_referral(db: Any, referral_ids: Iterable[int], clinic: Clock) -> dict[int, list[dict[str, Any]]]:
    """Each referral's basis changes for a page, oldest first."""
    found = basis.for_referrals(db, referral_ids)
    readings = basis.readings(db, [c for changes in found.values() for c in changes])
    return {rid: [shown(c, clinic, readings) for c in changes] for rid, changes in found.items()}


def open_by_encounter(
    db: Any, encounter_ids: Iterable[int], clinic: Clock
) -> dict[int, list[dict[str, Any]]]:
    """The queue's warnings: each encounter's open basis changes."""
    found = basis.open_in_encounters(db, encounter_ids)
    readings = basis.readings(db, [c for changes in found.values() for c in changes])
    return {eid: [shown(c, clinic, readings) for c in changes] for eid, changes in found.items()}


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
    try:
        changes = basis.acknowledge(db, referral_id, actor=who.username, reason=reason)
    except ConflictError:
        # pressed again after "no answer" (app.js), the first press recorded: where it leads
        if not done_last(db, "referral", referral_id, "referral.basis_reviewed", who.username, reason):
            raise
        return RedirectResponse(safe_next(back), status_code=303)
    rt.hub.publish("queue", encounter_id=changes[0].encounter_id, referral_id=referral_id)
    return RedirectResponse(safe_next(back), status_code=303)
