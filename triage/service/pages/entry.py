"""Manual entry on the staff pages: a walk-in patient, a reading typed in, "assess now"."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from referral.records import PatientIn
from triage.errors import ClinicError, ImplausibleValueError, UserInputError
from triage.observation import Observation
from triage.service.api.deps import RecordId, runtime_of
from triage.service.api.deps import clinic as clinic_dep
from triage.service.auth import CLINICAL_WRITE, Principal, allow
from triage.service.i18n import LANGUAGES, catalogue, catalogue_data
from triage.service.pages.engine_text import EngineText
from triage.service.pages.rendering import code_name, render
from triage.vocabulary import CONCEPTS, Concept

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
# the words in an answer's brackets as the pages show it: "A（清醒）", "A (alert)"
_BRACKETED = re.compile(r"[（(]([^）)]+)[）)]")
# the engine's words for a value outside a reading's plausible range (``triage.observation``)
_IMPLAUSIBLE = re.compile(
    r"^\S+: value (?P<given>.+) is outside the plausible range (?P<low>\S+)-(?P<high>\S+) (?P<unit>\S+)$"
)


@router.post("/walk-ins")
def walk_in(
    request: Request,
    who: Writer,
    mrn: Annotated[str, Form(min_length=1, max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    sex: Annotated[str, Form(pattern="^(female|male|unknown)$")] = "unknown",
    age_years: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    if not mrn.strip():
        raise UserInputError("mrn: the record number was empty (only spaces)", says="error.walk_in_mrn")
    age = None
    if age_years.strip():
        # isdecimal, not isdigit: '²' is a digit that int() refuses
        if not age_years.strip().isdecimal() or int(age_years) > 130:
            raise UserInputError(
                f"age: {age_years!r} is not a whole number of years from 0 to 130",
                says="error.walk_in_age",
                params={"given": age_years.strip()},
            )
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
    encounter_id: RecordId,
    who: Writer,
    code: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=32)],
    unit: Annotated[str, Form(max_length=32)] = "",
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
        return _not_recorded(request, who, encounter_id, code, exc)
    db = runtime_of(request).databases.get()
    clinic = clinic_dep(request)
    clinic.add_observations(db, encounter_id, [observation], actor=who.username, reason="manual entry")
    return RedirectResponse(f"/encounters/{encounter_id}", status_code=303)


# The reading form's groups, in the order a nurse works: what is observed at the bedside, body
# measurements, laboratory results (every code not named here), the urine dipstick
VITAL_SIGNS = (  # the NEWS2 chart's order
    "resp_rate",
    "spo2",
    "supplemental_o2",
    "sbp",
    "dbp",
    "heart_rate",
    "consciousness",
    "temperature",
)
BODY = ("height", "weight", "waist", "bmi")


def reading_groups() -> list[tuple[str, list[Concept]]]:
    """The reading form's choices as (group message key, concepts): vital signs in the NEWS2
    chart's order, body measurements, laboratory and urine dipstick in the vocabulary's order
    (the same in both languages, never sorted by the English name)."""
    vital = [CONCEPTS[code] for code in VITAL_SIGNS if code in CONCEPTS]
    body = [CONCEPTS[code] for code in BODY if code in CONCEPTS]
    rest = [c for c in CONCEPTS.values() if c.code not in VITAL_SIGNS and c.code not in BODY]
    dipstick = [c for c in rest if c.code.startswith("urine_")]
    laboratory = [c for c in rest if not c.code.startswith("urine_")]
    groups = [
        ("entry.group_vital", vital),
        ("entry.group_body", body),
        ("entry.group_laboratory", laboratory),
        ("entry.group_dipstick", dipstick),
    ]
    return [(key, concepts) for key, concepts in groups if concepts]


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


def _not_recorded(
    request: Request, who: Principal, encounter_id: int, code: str, exc: ClinicError
) -> Response:
    """A typed reading triage cannot take: said in the user's language with the reading by name
    (a value outside the plausible range with the range and its unit), the engine's words under
    it, and the way back to the patient (the form is on the patient page)."""
    text, engine = catalogue(who.language), EngineText(who.language)
    found = _IMPLAUSIBLE.fullmatch(str(exc)) if isinstance(exc, ImplausibleValueError) else None
    if found is not None:
        message = text(
            "entry.implausible",
            name=code_name(who.language, code),
            given=engine.value(found["given"]),
            range=engine.with_unit(f"{found['low']}-{found['high']}", found["unit"]),
        )
    elif code in CONCEPTS and CONCEPTS[code].answers:
        answers = text("list.sep").join(engine.value(answer) for answer in CONCEPTS[code].answers)
        message = text("entry.answers", name=code_name(who.language, code), answers=answers)
    else:
        message = text("entry.not_recorded", name=code_name(who.language, code))
    return render(
        request,
        "error.html",
        who,
        status_code=exc.status_hint if exc.status_hint < 500 else 422,
        message=message,
        detail=f"reading: {exc}",
        back=f"/encounters/{encounter_id}",
    )


# The history a nurse asks, on the "assess now" form: yes / no / not known, or left as stated before.
HISTORY_QUESTIONS = (
    "diabetes",
    "hypertension",
    "ckd",
    "on_antihypertensives",
    "current_smoker",
    "family_history_ascvd",
    "pregnant",
)
_ANSWERS: dict[str, bool | None] = {"yes": True, "no": False, "unknown": None}
Answer = Annotated[str, Form(max_length=8)]


def history_answers(answers: dict[str, str]) -> dict[str, bool | None]:
    """The form's answers as patient-context fields; a question left blank is not changed."""
    context: dict[str, bool | None] = {}
    for question in HISTORY_QUESTIONS:
        answer = answers.get(question, "")
        if not answer:
            continue
        if answer not in _ANSWERS:
            raise UserInputError(f"history {question}: answer {answer!r} is not one of yes, no, unknown")
        context[question] = _ANSWERS[answer]
    return context


def history_form_values(stated: dict[str, object]) -> dict[str, str]:
    """What the form shows for each question: the answer stated earlier in the visit, or blank."""
    values: dict[str, str] = {}
    for question in HISTORY_QUESTIONS:
        if question in stated:
            answer = stated[question]
            values[question] = "yes" if answer is True else "no" if answer is False else "unknown"
    return values


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
    pregnant: Answer = "",
) -> Response:
    """Assess the visit's readings now; the history answered on the form is kept for the visit."""
    context = history_answers(
        {
            "diabetes": diabetes,
            "hypertension": hypertension,
            "ckd": ckd,
            "on_antihypertensives": on_antihypertensives,
            "current_smoker": current_smoker,
            "family_history_ascvd": family_history_ascvd,
            "pregnant": pregnant,
        }
    )
    db = runtime_of(request).databases.get()
    clinic_dep(request).assess_encounter(
        db, encounter_id, actor=who.username, source="page", context=context or None
    )
    return RedirectResponse(f"/encounters/{encounter_id}", status_code=303)
