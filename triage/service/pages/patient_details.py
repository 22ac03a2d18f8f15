"""The patient page's "Correct name or sex" form: a typo made at registration is corrected with a
reason, never silently (``referral.patients.correct``: old and new value, who and why in the audit
trail; the page shows that history). A form that cannot be stored comes back with the error beside
its field and what was typed kept (nothing stored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from referral import patients, store
from triage.errors import UserInputError
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import CLINICAL_WRITE, Principal, allow
from triage.service.pages import forms
from triage.service.pages.forms import FieldError, field_error
from triage.service.pages.rendering import stored
from triage.service.pages.staff import show_encounter

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Typed = Annotated[str, Form(max_length=2000)]  # checked here, so that a bad one comes back in its form


@router.post("/encounters/{encounter_id}/patient-details")
def correct(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    name: Typed = "",
    sex: Typed = "",
    reason: Typed = "",
) -> Response:
    db = runtime_of(request).databases.get()
    patient = store.get_patient(db, int(store.get_encounter(db, encounter_id)["patient_id"]))
    typed = {"name": name, "sex": sex, "reason": reason}
    errors: dict[str, FieldError] = {}
    if not reason.strip():
        errors["reason"] = field_error(
            who.language,
            UserInputError(
                "reason: a correction needs a reason (the field was empty)", says="error.reason_empty"
            ),
        )
    if not name.strip() and patient["name"]:
        errors["name"] = field_error(
            who.language,
            UserInputError("name: the name was empty; give the right name", says="error.patient_name_empty"),
        )
    if not errors:
        try:
            patients.correct(
                db,
                int(patient["id"]),
                name=name if name.strip() else None,  # no name stored and none typed: left as it is
                sex=sex,
                actor=who.username,
                reason=reason,
            )
        except UserInputError as exc:  # the same as stored, too long, not a sex: about the form
            errors["form"] = field_error(who.language, exc)
    if errors:
        sent = forms.FormState(typed, errors)
        return show_encounter(request, who, encounter_id, 422, {"patient": sent})
    return stored(request, f"/encounters/{encounter_id}", "patient_corrected")
