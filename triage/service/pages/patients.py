"""Finding a patient by record number (``GET /patients?mrn=...``): the patient's visits, open and
closed, on any day, newest first, each with its decision and a link to its page - yesterday's
patient was on no page (the queue shows today's visits, the referrals page only those referred)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlite_utils import Database

from referral import store
from referral.overrides import final_disposition
from triage.service.api.deps import runtime_of
from triage.service.auth import CLINICAL_READ, Principal, allow
from triage.service.pages.rendering import render

router = APIRouter()
Reader = Annotated[Principal, Depends(allow(*CLINICAL_READ))]
#: the visits listed, newest first (the API pages through all of them: /api/v1/patients/{id}/encounters)
SHOWN = 50


def _visits(db: Database, patient_id: int) -> list[dict[str, Any]]:
    """The patient's latest visits, each with its decision (a clinician's override winning)."""
    visits = []
    for encounter in store.patient_encounters(db, patient_id, limit=SHOWN):
        latest = next(
            db.query(
                "SELECT id, disposition FROM assessments WHERE encounter_id = ? ORDER BY id DESC LIMIT 1",
                [encounter["id"]],
            ),
            None,
        )
        decided = final_disposition(db, latest) if latest is not None else None
        visits.append({**encounter, "disposition": decided})
    return visits


@router.get("/patients")
def find_patient(request: Request, who: Reader, mrn: Annotated[str, Query(max_length=64)] = "") -> Response:
    wanted = mrn.strip()
    db = runtime_of(request).databases.get()
    patient = store.find_patient(db, wanted) if wanted else None
    return render(
        request,
        "patients.html",
        who,
        page_path=f"/patients?mrn={quote(wanted)}" if wanted else "/patients",
        mrn=wanted,
        patient=patient,
        visits=_visits(db, int(patient["id"])) if patient is not None else [],
        total=store.count_patient_encounters(db, int(patient["id"])) if patient is not None else 0,
    )
