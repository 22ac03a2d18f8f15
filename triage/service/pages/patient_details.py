"""The patient page's "Correct name, sex or birth date" form: a typo made at registration is
corrected with a reason, never silently (``referral.patients.correct``: old and new value, who and
why in the audit trail; the page shows that history). A form that cannot be stored comes back with the error beside
its field and what was typed kept (nothing stored)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from referral import patients, store
from referral.records import OLDEST_YEARS, check_birth_date
from triage.errors import UserInputError
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import CLINICAL_WRITE, Principal, allow
from triage.service.pages import forms
from triage.service.pages.forms import FieldError, done_last, field_error
from triage.service.pages.rendering import stored
from triage.service.pages.staff import show_encounter

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Typed = Annotated[str, Form(max_length=2000)]  # checked here, so that a bad one comes back in its form
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@router.post("/encounters/{encounter_id}/patient-details")
def correct(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    name: Typed = "",
    sex: Typed = "",
    birth_date: Typed = "",
    reason: Typed = "",
) -> Response:
    db, clinic = runtime_of(request).databases.get(), runtime_of(request).clock
    patient = store.get_patient(db, int(store.get_encounter(db, encounter_id)["patient_id"]))
    typed = {"name": name, "sex": sex, "birth_date": birth_date, "reason": reason}
    errors: dict[str, FieldError] = {}
    if not reason.strip():
        errors["reason"] = field_error(
            who.language,
            UserInputError(
                "reason: a correction needs a reason (the field was empty)", says="error.reason_empty"
            ),
            clinic,
        )
    if not name.strip() and patient["name"]:
        errors["name"] = field_error(
            who.language,
            UserInputError("name: the name was empty; give the right name", says="error.patient_name_empty"),
            clinic,
        )
    born = None
    try:
        born = _birth_date(birth_date, patient["birth_date"], clinic.today())
    except UserInputError as exc:
        errors["birth_date"] = field_error(who.language, exc, clinic)
    if not errors:
        try:
            patients.correct(
                db,
                int(patient["id"]),
                name=name if name.strip() else None,  # no name stored and none typed: left as it is
                sex=sex,
                birth_date=born,  # none stored and none typed: left as it is
                actor=who.username,
                reason=reason,
                clinic=clinic,
            )
        except UserInputError as exc:  # the same as stored, too long, not a sex: about the form
            again = done_last(db, "patient", int(patient["id"]), "patient.correct", who.username, reason)
            if exc.says == "error.patient_correction_same" and again:
                # pressed again after "no answer" (app.js), the first press recorded: said as done
                return stored(request, f"/encounters/{encounter_id}", "patient_corrected")
            shown_at = "name" if exc.says in ("error.name_control", "error.name_bidi") else "form"
            errors[shown_at] = field_error(who.language, exc, clinic)  # a name's character: by its field
    if errors:
        sent = forms.FormState(typed, errors)
        return show_encounter(request, who, encounter_id, 422, {"patient": sent})
    return stored(request, f"/encounters/{encounter_id}", "patient_corrected")


def _birth_date(typed: str, stored: str | None, today: date) -> date | None:
    """The birth date typed (``YYYY-MM-DD``, what a date field sends), checked as registration
    checks it (:func:`referral.records.check_birth_date`, on the clinic's ``today``); ``None`` when none is stored and none
    typed. A :class:`UserInputError` for one emptied, not a date, or implausible."""
    text = typed.strip()
    if not text:
        if stored is None:
            return None
        raise UserInputError(
            "birth_date: the birth date was empty; give the right birth date",
            says="error.patient_birth_date_empty",
        )
    try:
        if not _ISO_DATE.fullmatch(text):  # fromisoformat also reads 19560302 and 1956-W10-1
            raise ValueError(text)
        born = date.fromisoformat(text)
    except ValueError:
        raise UserInputError(
            f"birth_date: {text!r} is not a date; give it as YYYY-MM-DD, e.g. 1956-03-14",
            says="error.birth_date_not_a_date",
            params={"given": text},
        ) from None
    try:
        return check_birth_date(born, today)
    except ValueError as exc:
        raise UserInputError(
            f"birth_date: {exc}",
            says="error.birth_date_implausible",
            params={"given": text, "earliest": today.year - OLDEST_YEARS},
        ) from None
