"""Manual entry on the staff pages: a walk-in patient, a reading typed in, a set of vital signs,
"assess now". A form that cannot be done comes back on its page with the error beside the field
and what was typed still in it (nothing stored)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlite_utils import Database

from referral import encounter_context as visit_history
from referral import store
from referral.patients import PatientMismatchError
from referral.records import PatientIn, name_problem
from referral.store import AgeMismatchError
from referral.transactions import write
from triage.errors import ClinicError, UnitError, UnknownCodeError, UserInputError
from triage.observation import Observation
from triage.patient import MAX_GESTATION_WEEKS, MIN_GESTATION_WEEKS
from triage.service import proposals
from triage.service.api.deps import RecordId, runtime_of
from triage.service.api.deps import clinic as clinic_dep
from triage.service.auth import CLINICAL_WRITE, Principal, allow
from triage.service.i18n import LANGUAGES, catalogue, catalogue_data
from triage.service.pages import forms, symptoms, vitals
from triage.service.pages.forms import (
    HISTORY_QUESTIONS,
    FieldError,
    FormKey,
    field_error,
    keyed,
    reading_error,
)
from triage.service.pages.queue import show_queue
from triage.service.pages.rendering import stored
from triage.service.pages.staff import proposal_waiting, show_encounter
from triage.vocabulary import CONCEPTS

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Typed = Annotated[str, Form(max_length=300)]  # checked here, so that a bad one comes back in its form
# the words in an answer's brackets as the pages show it: "A（清醒）", "A (alert)"
_BRACKETED = re.compile(r"[（(]([^）)]+)[）)]")
_SEXES = ("unknown", "female", "male")


@router.post("/walk-ins")
def walk_in(
    request: Request,
    who: Writer,
    mrn: Typed = "",
    name: Typed = "",
    sex: Typed = "unknown",
    age_years: Typed = "",
    form_key: FormKey = "",
) -> Response:
    typed = {"mrn": mrn, "name": name, "sex": sex, "age_years": age_years}
    errors: dict[str, FieldError] = {}
    age = None
    try:
        age = _walk_in_age(age_years)
    except UserInputError as exc:
        errors["age_years"] = field_error(who.language, exc, runtime_of(request).clock)
    for field, refusal in (
        ("mrn", _walk_in_mrn(mrn)),
        ("name", _too_long("name", name, 200) or _name_refused(name)),
        ("sex", None if sex in _SEXES else UserInputError(f"sex: {sex!r} is not one of {', '.join(_SEXES)}")),
    ):
        if refusal is not None:
            errors[field] = field_error(who.language, refusal, runtime_of(request).clock)
    if errors:
        return _walk_in_again(request, who, typed, errors)
    db = runtime_of(request).databases.get()
    clinic = clinic_dep(request)
    key, body = keyed(form_key, typed) or (None, None)

    def register(db: Database) -> tuple[dict[str, object], bool]:
        """The patient and the visit in one transaction: a visit refused (its key another
        patient's, an age that differs, a busy log) registers no patient either."""
        clinic.register_patient(
            db, PatientIn(mrn=mrn.strip(), name=name.strip() or None, sex=sex), actor=who.username
        )
        # the patient's visit already open today is where the nurse goes on (no second visit)
        # the form sent again (its key) is answered the visit it opened
        return clinic.open_visit(
            db, mrn.strip(), actor=who.username, age_years=age, key=key, body_sha256=body
        )

    try:
        encounter, already_open = write(db, register)
        if already_open:
            return stored(request, f"/encounters/{encounter['id']}", "walk_in_open")
    except PatientMismatchError as exc:  # the number is another patient's: beside it, nothing stored
        return _walk_in_again(
            request, who, typed, {"mrn": field_error(who.language, exc, runtime_of(request).clock)}
        )
    except AgeMismatchError as exc:  # not the open visit's or the birth date's age: beside it, not dropped
        return _walk_in_again(
            request, who, typed, {"age_years": field_error(who.language, exc, runtime_of(request).clock)}
        )
    except UserInputError as exc:  # a value the record refuses; a conflict or a busy log: the error page
        return _walk_in_again(
            request, who, typed, {"form": field_error(who.language, exc, runtime_of(request).clock)}
        )
    clinic.hub.publish("queue", encounter_id=encounter["id"])
    return stored(request, f"/encounters/{encounter['id']}", "walk_in")


def _walk_in_mrn(mrn: str) -> UserInputError | None:
    if not mrn.strip():
        return UserInputError("mrn: the record number was empty (only spaces)", says="error.walk_in_mrn")
    return _too_long("mrn", mrn, 64)


def _name_refused(typed: str) -> UserInputError | None:
    """A control or bidirectional control character in the name, said beside the name's field
    (:func:`referral.records.name_problem`, where registration refuses it)."""
    found = name_problem(typed.strip())
    return None if found is None else UserInputError(f"name: {found[0]}", says=found[1], params=found[2])


def _too_long(field: str, typed: str, limit: int) -> UserInputError | None:
    if len(typed.strip()) <= limit:
        return None
    return UserInputError(
        f"{field}: {len(typed.strip())} characters, at most {limit}",
        says="error.too_long",
        params={"limit": limit},
    )


def _walk_in_age(age_years: str) -> int | None:
    if not age_years.strip():
        return None
    # isdecimal, not isdigit: '²' is a digit that int() refuses
    if not age_years.strip().isdecimal() or int(age_years) > 130:
        raise UserInputError(
            f"age: {age_years!r} is not a whole number of years from 0 to 130",
            says="error.walk_in_age",
            params={"given": age_years.strip()},
        )
    return int(age_years)


def _walk_in_again(
    request: Request, who: Principal, typed: dict[str, str], errors: dict[str, FieldError]
) -> Response:
    """The queue page again, its walk-in form open with what was typed and the errors (422)."""
    return show_queue(request, who, 422, {"walk_in": forms.FormState(typed, errors)})


@router.post("/encounters/{encounter_id}/readings")
def add_reading(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    code: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=32)],
    unit: Annotated[str, Form(max_length=32)] = "",
    form_key: FormKey = "",
) -> Response:
    try:
        observation = Observation.create(
            code,
            typed_answer(code, value),
            typed_unit(unit),
            observed_at=datetime.now(UTC),
            device="manual entry",
        )
    except ClinicError as exc:
        # beside the field it is about: an unknown measurement, a unit, else the value
        field = (
            "code" if isinstance(exc, UnknownCodeError) else "unit" if isinstance(exc, UnitError) else "value"
        )
        typed = {"code": code, "value": value, "unit": unit}
        sent = forms.FormState(typed, {field: reading_error(who.language, code, exc)})
        return show_encounter(request, who, encounter_id, _refused(exc), {"reading": sent})
    db = runtime_of(request).databases.get()
    clinic = clinic_dep(request)
    # the form sent again (its key) is answered the reading stored the first time
    again = keyed(form_key, {"code": code, "value": value, "unit": unit})
    clinic.add_observations(
        db, encounter_id, [observation], actor=who.username, reason="manual entry", keyed=again
    )
    return stored(request, f"/encounters/{encounter_id}", "reading")


@router.post("/encounters/{encounter_id}/vitals")
def add_vital_signs(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    sent: Annotated[vitals.VitalSigns, Form()],
    form_key: FormKey = "",
) -> Response:
    """A set of vital signs: every field filled is checked first; all good, they are stored in one
    transaction with one observation time and the visit is assessed once; any bad, none is stored
    and the form comes back (422) with each error beside its field and everything typed kept."""
    typed = sent.model_dump()
    readings, errors = vitals.read_vital_signs(
        typed, who.language, datetime.now(UTC), runtime_of(request).clock
    )
    text = catalogue(who.language)
    if errors or not readings:
        says = text("vitals.not_recorded") if errors else text("vitals.none_given")
        back = forms.FormState(typed, {"form": FieldError(says), **errors})
        return show_encounter(request, who, encounter_id, 422, {"vitals": back})
    db = runtime_of(request).databases.get()
    clinic = clinic_dep(request)
    # the form sent again (its key) is answered the readings and the assessment the first one stored
    again = keyed(form_key, typed)
    clinic.add_observations(
        db, encounter_id, readings, actor=who.username, reason="manual entry: vital signs", keyed=again
    )
    proposed = _assessed(request, db, encounter_id, who, again)
    return stored(request, f"/encounters/{encounter_id}", "vitals_proposed" if proposed else "vitals")


def _assessed(
    request: Request,
    db: Database,
    encounter_id: int,
    who: Principal,
    again: tuple[str, str] | None,
    context: dict[str, object] | None = None,
) -> bool:
    """Assess the visit (``again``: the form's key and contents - sent again, it is answered the
    assessment the first one stored) and propose the referral its decision asks for, as a device's
    result does (never sent: a clinician confirms). Whether triage proposed (or raised) one: now,
    or - the form sent again - the first time, so that the notice says what it said then."""
    key, body = again or (None, None)
    assessment = clinic_dep(request).assess_encounter(
        db, encounter_id, actor=who.username, source="page", context=context, key=key, body_sha256=body
    )
    if proposals.propose(runtime_of(request), db, assessment, actor=who.username) is not None:
        return True
    return proposal_waiting(db, int(assessment["id"]))


def _refused(exc: ClinicError) -> int:
    return exc.status_hint if exc.status_hint < 500 else 422


def typed_unit(unit: str) -> str | None:
    """A unit typed in the reading form: a unit as the pages show it (次/分, µmol/L, ×10⁹/L, in
    either language: ``unit.<code>``) is taken as its code; anything else as typed (the vocabulary
    knows its own aliases, e.g. mmHg, bpm, °C); blank is the reading's canonical unit."""
    typed = unit.strip()
    if not typed:
        return None
    shown = {
        text: key.removeprefix("unit.")
        for language in LANGUAGES
        for key, text in catalogue_data(language).items()
        if key.startswith("unit.")
    }
    return shown.get(typed, typed)


def typed_answer(code: str, value: str) -> str:
    """A coded reading typed as the pages show its answers (阴性, 吸氧, ``A（清醒）`` or the words in
    its brackets, in either language: ``detail.answer.<answer>``) is taken as that answer; anything
    else as typed (the vocabulary's own answers: A, neg, oxygen)."""
    typed = value.strip()
    concept = CONCEPTS.get(code)
    for answer in concept.answers if concept is not None else ():
        for language in LANGUAGES:
            shown = catalogue_data(language).get(f"detail.answer.{answer}")
            if shown and typed in (shown, *_BRACKETED.findall(shown)):
                return answer
    return typed


_ANSWERS: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}
Answer = Typed  # checked by history_answers, so that a bad one comes back beside its question


def history_answers(answers: dict[str, str]) -> dict[str, bool | None]:
    """The form's answers as patient-context fields; a question left blank is not changed. An
    answer that is none of yes, no, unknown is refused, the question in ``params["question"]``."""
    context: dict[str, bool | None] = {}
    for question in HISTORY_QUESTIONS:
        answer = answers.get(question, "")
        if not answer:
            continue
        if answer not in _ANSWERS:
            raise UserInputError(
                f"history {question}: answer {answer!r} is not one of yes, no, unknown",
                says="error.history_answer",
                params={"question": question, "given": answer},
            )
        context[question] = _ANSWERS[answer]
    return context


def gestation_answer(typed: str, pregnant: str, stated: Mapping[str, object]) -> dict[str, int | None]:
    """The weeks of pregnancy typed on the form as a patient-context field: a whole number of
    completed weeks (``triage.patient`` MIN/MAX_GESTATION_WEEKS), where the pregnancy - answered now
    (``pregnant``), else stated before - is "yes". Blank keeps the weeks stated before, except that
    a pregnancy answered "no" or "not known" now ends them. Refused, to be said beside the field: no
    whole number in range, or weeks where the pregnancy is not "yes"."""
    weeks = typed.strip()
    pregnant_now = _ANSWERS.get(pregnant) if pregnant else stated.get("pregnant")
    if not weeks:
        ended = pregnant and pregnant_now is not True and stated.get(forms.GESTATION) is not None
        return {forms.GESTATION: None} if ended else {}
    if (
        not (weeks.isascii() and weeks.isdigit())
        or not MIN_GESTATION_WEEKS <= int(weeks) <= MAX_GESTATION_WEEKS
    ):
        raise UserInputError(
            f"{forms.GESTATION}: {weeks!r} is not a whole number of weeks"
            f" {MIN_GESTATION_WEEKS}-{MAX_GESTATION_WEEKS}",
            says="error.gestation_weeks",
            params={"given": weeks},
        )
    if pregnant_now is not True:
        raise UserInputError(
            f"{forms.GESTATION}: {weeks} weeks given where pregnant is not yes",
            says="error.gestation_not_pregnant",
        )
    return {forms.GESTATION: int(weeks)}


def birth_and_pregnancy(answers: Mapping[str, str], stated: Mapping[str, object]) -> None:
    """Refused, to be said beside "Gave birth in the last 6 weeks": a recent birth and a pregnancy
    both "yes" - answered now, or one now and the other stated before and not changed (the engine
    refuses the pair, ``triage.patient``; its English words came back on a Chinese page)."""

    def now_or_before(question: str) -> bool | None:
        answer = answers.get(question, "")
        return _ANSWERS.get(answer) if answer else stated.get(question)  # type: ignore[return-value]

    if now_or_before("postpartum") is True and now_or_before("pregnant") is True:
        raise UserInputError(
            "postpartum: a birth in the last 6 weeks and a pregnancy are both yes",
            says="error.postpartum_pregnant",
        )


@router.post("/encounters/{encounter_id}/assess")
def assess_now(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    diabetes: Answer = "",
    hypertension: Answer = "",
    ckd: Answer = "",
    on_antihypertensives: Answer = "",
    current_smoker: Answer = "",
    family_history_ascvd: Answer = "",
    known_ascvd: Answer = "",
    pregnant: Answer = "",
    postpartum: Answer = "",
    gestation_weeks: Annotated[str, Form(max_length=32)] = "",
    acute_symptoms: Annotated[list[str] | None, Form()] = None,
    form_key: FormKey = "",
) -> Response:
    """Assess the visit's readings now; the history answered on the form is kept for the visit,
    and so are the acute symptoms ticked (``pages/symptoms.py``): a combination that cannot be an
    answer, or a history answer none of yes, no, not known, comes back beside its group or question,
    everything ticked and chosen kept (422, nothing stored)."""
    answers = {
        "diabetes": diabetes,
        "hypertension": hypertension,
        "ckd": ckd,
        "on_antihypertensives": on_antihypertensives,
        "current_smoker": current_smoker,
        "family_history_ascvd": family_history_ascvd,
        "known_ascvd": known_ascvd,
        "pregnant": pregnant,
        "postpartum": postpartum,
    }
    db = runtime_of(request).databases.get()
    stated = visit_history.stated(store.get_encounter(db, encounter_id))
    recorded = stated.get(symptoms.FIELD)
    errors: dict[str, FieldError] = {}
    context: dict[str, object] = {}
    ticked: list[str] | None = None
    try:
        ticked = symptoms.ticked_symptoms(acute_symptoms or [], recorded)
    except UserInputError as exc:
        errors[symptoms.FIELD] = field_error(who.language, exc, runtime_of(request).clock)
    try:
        context.update(history_answers(answers))
    except UserInputError as exc:
        errors[str(exc.params["question"])] = field_error(who.language, exc, runtime_of(request).clock)
    try:
        context.update(gestation_answer(gestation_weeks, pregnant, stated))
    except UserInputError as exc:
        errors[forms.GESTATION] = field_error(who.language, exc, runtime_of(request).clock)
    try:
        birth_and_pregnancy(answers, stated)
    except UserInputError as exc:
        errors["postpartum"] = field_error(who.language, exc, runtime_of(request).clock)
    if errors:  # the form's order: the symptoms group, then the questions (the first bad one focused)
        typed = {symptoms.FIELD: ",".join(acute_symptoms or []), **answers, forms.GESTATION: gestation_weeks}
        return show_encounter(request, who, encounter_id, 422, {"assess": forms.FormState(typed, errors)})
    if ticked is not None:
        context[symptoms.FIELD] = ticked
    # the form sent again (its key) is answered the assessment the first one stored
    sent = {**answers, forms.GESTATION: gestation_weeks, symptoms.FIELD: acute_symptoms}
    proposed = _assessed(request, db, encounter_id, who, keyed(form_key, sent), context or None)
    return stored(request, f"/encounters/{encounter_id}", "assessed_proposed" if proposed else "assessed")
