"""The referrals page: the clinic's referrals, newest first, for the clinical roles and (without who
the patient is) the analyst."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from triage.service.api.analyst_view import StaffPseudonyms, is_analyst
from triage.service.api.deps import runtime_of
from triage.service.auth import CLINICAL_READ, CLINICIAN_ONLY, Principal, Role, allow
from triage.service.pages.basis import by_referral
from triage.service.pages.rendering import render
from triage.service.pages.staff import _STATUS_BY, _STATUS_EVENT

router = APIRouter()
ReferralReader = Annotated[Principal, Depends(allow(*CLINICAL_READ, Role.analyst))]


@router.get("/referrals")
def referrals_page(request: Request, who: ReferralReader) -> Response:
    rt = runtime_of(request)
    db = rt.databases.get()
    rows = list(
        db.query(
            f"SELECT r.*, p.mrn, p.name, f.name AS facility_name, {_STATUS_BY} FROM referrals r"
            " JOIN encounters e ON e.id = r.encounter_id JOIN patients p ON p.id = e.patient_id"
            f" LEFT JOIN facilities f ON f.id = r.to_facility{_STATUS_EVENT} ORDER BY r.id DESC LIMIT 200"
        )
    )
    if is_analyst(who):  # the referral flow, not who the patient is nor who the staff are
        staff = StaffPseudonyms(db)
        rows = [analyst_row(staff, row) for row in rows]
    return render(
        request,
        "referrals.html",
        who,
        rows=rows,
        basis=by_referral(db, [r["id"] for r in rows], rt.clock),
        can_decide=who.role in CLINICIAN_ONLY,
        # printed, the list says its day: today's referrals show their time only (00:35)
        printed_at=rt.clock.now().strftime("%Y-%m-%d %H:%M"),
    )


def analyst_row(staff: StaffPseudonyms, row: dict[str, Any]) -> dict[str, Any]:
    """A referral as the analyst reads it, as the API's analyst view answers it
    (:mod:`triage.service.api.analyst_view`): no patient, staff by pseudonym (who made it and who
    moved it to its status), a person's free text (the reason) withheld. The reason triage wrote
    when it proposed the referral ("proposed by triage: <rules>") is the engine's rule names, no
    person's text: it stays (``analyst_view.triage_reason``, as in the API), so the list still says
    "Proposed by triage" and names the rules."""
    return staff.row(row) | {"mrn": "-", "name": None, "status_by": staff.of(row["status_by"])}
