"""Manual entry on the staff pages: a walk-in patient, a reading typed in, "assess now"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from referral.records import PatientIn
from triage.errors import ClinicError, UserInputError
from triage.observation import Observation
from triage.service.api.deps import clinic as clinic_dep
from triage.service.api.deps import runtime_of
from triage.service.auth import CLINICAL_WRITE, Principal, allow

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]


@router.post("/walk-ins")
def walk_in(
    request: Request,
    who: Writer,
    mrn: Annotated[str, Form(min_length=1, max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    sex: Annotated[str, Form(pattern="^(female|male|unknown)$")] = "unknown",
    age_years: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    age = None
    if age_years.strip():
        if not age_years.strip().isdigit() or int(age_years) > 130:
            raise UserInputError(f"age: {age_years!r} is not a whole number of years from 0 to 130")
        age = int(age_years)
    db = runtime_of(request).databases.get()
    clinic = clinic_dep(request)
    clinic.register_patient(
        db,
        PatientIn(mrn=mrn.strip(), name=name.strip() or None, sex=sex),
        actor=who.username,
    )
    encounter = clinic.open_encounter(db, mrn.strip(), actor=who.username, age_years=age)
    clinic.hub.publish("queue", encounter_id=encounter["id"])
    return RedirectResponse(f"/encounters/{encounter['id']}", status_code=303)


@router.post("/encounters/{encounter_id}/readings")
def add_reading(
    request: Request,
    encounter_id: int,
    who: Writer,
    code: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=32)],
    unit: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        observation = Observation.create(
            code, value.strip(), unit.strip() or None, observed_at=datetime.now(UTC), device="manual entry"
        )
    except ClinicError as exc:
        raise UserInputError(f"reading: {exc}") from None
    db = runtime_of(request).databases.get()
    clinic = clinic_dep(request)
    clinic.add_observations(db, encounter_id, [observation], actor=who.username, reason="manual entry")
    return RedirectResponse(f"/encounters/{encounter_id}", status_code=303)


@router.post("/encounters/{encounter_id}/assess")
def assess_now(request: Request, encounter_id: int, who: Writer) -> Response:
    db = runtime_of(request).databases.get()
    clinic_dep(request).assess_encounter(db, encounter_id, actor=who.username, source="page")
    return RedirectResponse(f"/encounters/{encounter_id}", status_code=303)
