"""Patients, encounters (opened and closed), observations (manual or device bridges), assessments,
the staff queue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from referral import corrections, patients, store
from referral import queue as staff_queue
from referral.clock import Clock
from referral.closure import REASON_LIMIT
from referral.queue import QueueState
from referral.records import PatientIn, RecordNumberInput, check_birth_date
from triage.assessment import Disposition
from triage.bp_pair import check_pairs
from triage.errors import ClinicError, UserInputError
from triage.json_input import IsoTime, JsonBoolean, JsonNumber, iso_date
from triage.observation import Observation
from triage.service import closure as closing
from triage.service.api.associations import AssociationOut, association_out
from triage.service.api.deps import MAX_ID, ClinicDep, DbDep, NotBoolean, RuntimeDep
from triage.service.api.json_body import JsonRoute
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, CLINICIAN_ONLY, Principal, Role, allow
from triage.service.clinic import observation_row, stored_assessment_json, stored_assessment_view
from triage.service.walk_ins import ALREADY_OPEN, WalkIn
from triage.service.writer import store_walk_in

router = APIRouter(tags=["clinical"], route_class=JsonRoute)

Reader = Annotated[Principal, Depends(allow(*CLINICAL_READ))]
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
Submitter = Annotated[Principal, Depends(allow(*CLINICAL_WRITE, Role.integrator))]
Clinician = Annotated[Principal, Depends(allow(*CLINICIAN_ONLY))]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
YesNo = Annotated[bool | None, JsonBoolean]
"""A clinical yes/no: JSON true, false or null (unknown); "false", "no" or 0 are refused, not guessed."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _birth_date_as_text(value: object) -> object:
    # pydantic reads a number as Unix time: 0 would be a birth on 1970-01-01
    if value is not None and not isinstance(value, str | date):
        # the value follows as JSON writes it (the validation handler's "(got true)"); Python's
        # repr said "not the number True" for a JSON true
        raise ValueError("give the date as text, e.g. 1956-03-14 (a JSON string, in quotes)")
    if isinstance(value, str):
        # read here: pydantic read the same number in quotes as a Unix time ("86400": 1970-01-02)
        found = iso_date(value)
        if found is None:
            raise ValueError("give the date as ISO 8601 text, e.g. 1956-03-14")
        return found
    return value


def _json_scalar(value: object) -> object:
    # else pydantic tried each type of the union and named them: "value.float: ...; value.str: ..."
    if isinstance(value, list | dict):
        raise PydanticCustomError(
            "json_scalar",
            "must be a number, text or null (got a JSON {kind})",
            {"kind": "array" if isinstance(value, list) else "object"},
        )
    return value


#: A birth date as the API takes it: an ISO date in a JSON string; the handler then checks it is
#: not in the future, at most 130 years ago (:func:`plausible_birth`, on the clinic's day).
BirthDate = Annotated[date | None, BeforeValidator(_birth_date_as_text)]


def plausible_birth(born: date | None, where: tuple[str, ...], clinic: Clock) -> None:
    """Refuse a birth date in the future or more than 130 years ago by ``clinic``'s day
    (:func:`referral.records.check_birth_date`, at registration and at a correction) as the body's
    validation refuses a field: a 422 naming ``where`` in the body. Body validation has no clinic
    clock (``[service] timezone``), so the handler checks it, first."""
    if born is None:
        return
    try:
        check_birth_date(born, clinic.today())
    except ValueError as exc:
        error = {"type": "value_error", "loc": ("body", *where), "msg": f"Value error, {exc}"}
        raise RequestValidationError([error | {"input": born.isoformat(), "ctx": {"error": exc}}]) from None


class PatientCreate(_Body):
    mrn: Annotated[str, RecordNumberInput] = Field(
        min_length=1, max_length=64, pattern=r"^\S(.*\S)?$", description="Local record number"
    )
    name: str | None = Field(None, max_length=200)
    sex: Literal["female", "male", "unknown"] = "unknown"
    birth_date: BirthDate = Field(None, description="ISO date, e.g. 1956-03-14; 0-130 years ago")


class PatientOut(BaseModel):
    id: int
    mrn: str
    name: str | None
    sex: str
    birth_date: str | None
    created_at: str


class PatientRegistered(PatientOut):
    already_registered: bool = Field(
        description="True: the MRN was already registered to this patient, whose stored record is"
        " returned (status 200); false: this request registered the patient (201)"
    )


class PatientCorrection(_Body):
    name: str | None = Field(None, max_length=200, description="The right name; null: unchanged")
    sex: Literal["female", "male", "unknown"] | None = Field(
        None, description="The right sex; null: unchanged"
    )
    birth_date: BirthDate = Field(
        None, description="The right birth date, ISO (e.g. 1956-03-14), 0-130 years ago; null: unchanged"
    )
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=patients.REASON_LIMIT)
    ] = Field(description="Why (required, trimmed, audited), e.g. 'name misspelt at registration'")

    @field_validator("name")
    @classmethod
    def _a_name(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("give the right name (a name cannot be corrected to nothing; null leaves it)")
        return value


class PatientCorrectionOut(BaseModel):
    at: str = Field(description="When it was corrected (ISO 8601 UTC)")
    actor: str = Field(description="Who corrected it")
    reason: str
    before: dict[str, str | None] = Field(
        description="The corrected details as they were (name, sex, birth_date; null: none was stored)"
    )
    after: dict[str, str] = Field(description="The same details as corrected")


class PatientCorrected(BaseModel):
    patient: PatientOut
    correction: PatientCorrectionOut


class PatientList(BaseModel):
    data: list[PatientOut]
    count: int = Field(description="Every patient stored, not only this page (page with limit and offset)")


class ObservationEntry(_Body):
    code: str = Field(min_length=1, max_length=64, examples=["spo2"], description="Vocabulary code")
    value: Annotated[float | str | None, NotBoolean, BeforeValidator(_json_scalar)] = Field(
        description="Number, censored string ('>33.3') or coded answer; null only for cannot_be_done",
        examples=[91],
    )
    unit: str | None = Field(None, max_length=32, examples=["%"])
    observed_at: Annotated[AwareDatetime | None, IsoTime] = Field(
        None,
        description="ISO 8601 with a UTC offset, e.g. 2026-12-05T09:30:00+08:00 (not a Unix time); default: now",
    )
    status: Literal["final", "preliminary", "corrected", "cannot_be_done"] = "final"
    qc: Annotated[bool, JsonBoolean] = Field(
        False, description="A quality-control run, never used for a decision (true or false)"
    )
    device: str | None = Field(None, max_length=200)

    def to_observation(self, where: str) -> Observation:
        value = self.value
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)
        try:
            return Observation.create(
                self.code,
                value,
                self.unit,
                observed_at=self.observed_at or datetime.now(UTC),
                status=self.status,
                qc=self.qc,
                device=self.device,
            )
        except ClinicError as exc:
            raise UserInputError(f"{where}: {exc}") from None


def validate_observations(entries: list[ObservationEntry], where: str = "observations") -> list[Observation]:
    """All or nothing: every entry is validated before anything is written; a diastolic pressure
    at or above the systolic given with it is refused naming both (``triage.bp_pair``)."""
    observations = [entry.to_observation(f"{where}[{i}]") for i, entry in enumerate(entries)]
    check_pairs(observations, lambda i: f"{where}[{i}].value")
    return observations


class PatientContextIn(_Body):
    """What the scores need besides the readings; unknown stays null (never read as normal)."""

    diabetes: YesNo = None
    hypertension: YesNo = None
    ckd: YesNo = None
    on_antihypertensives: YesNo = None
    current_smoker: YesNo = None
    pregnant: YesNo = None
    waist_cm: Annotated[float | None, JsonNumber] = Field(None, ge=30, le=250)
    bmi: Annotated[float | None, JsonNumber] = Field(None, ge=8, le=90)
    height_cm: Annotated[float | None, JsonNumber] = Field(None, ge=40, le=250)
    weight_kg: Annotated[float | None, JsonNumber] = Field(None, ge=1, le=400)
    family_history_ascvd: YesNo = None
    region_north: YesNo = None
    urban: YesNo = None
    spo2_scale2: Annotated[bool, JsonBoolean] = Field(
        False, description="NEWS2 SpO2 Scale 2, set by a clinician only"
    )


class EncounterCreate(_Body):
    mrn: Annotated[str, RecordNumberInput] = Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")
    age_years: Annotated[int | None, JsonNumber] = Field(None, ge=0, le=130)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


class EncounterOut(BaseModel):
    id: int
    patient_id: int
    facility_id: str | None
    started_at: str
    day: str
    age_years: int | None
    created_by: str
    closed_at: str | None = Field(
        None,
        description="When the visit was closed (ISO 8601 UTC); null while open. A closed encounter"
        " takes no new readings, assessments or devices",
    )
    closed_by: str | None = Field(None, description="Who closed it; null while open")
    close_reason: str | None = Field(None, description="Why it was closed; null while open")


class EncounterOpened(EncounterOut):
    already_open: bool = Field(
        description="True: the patient's visit already open today was returned (status 200) and no"
        " encounter was opened; false: this request opened it (201)"
    )


class EncounterClose(_Body):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=REASON_LIMIT)
    ] = Field(description="Why the visit ends (required, trimmed, audited), e.g. 'discharged home'")
    without_referral: Annotated[bool, JsonBoolean] = Field(
        False,
        description="Close although the latest decision is a transfer or referral and no referral was"
        " made (else 409 referral_not_made); the decision is recorded in the audit entry",
    )


class EncounterClosed(BaseModel):
    encounter: EncounterOut
    ended_associations: list[AssociationOut] = Field(
        description="The device associations the close ended (end_reason 'encounter_closed')"
    )


class ObservationOut(BaseModel):
    id: int
    code: str
    value_num: float | None
    value_text: str | None
    comparator: str | None
    unit: str | None
    observed_at: str
    status: str
    qc: str | None
    device: str | None
    reported_value: float | None = Field(
        None,
        description="The number as received when it was converted to unit (101.5 for a temperature"
        " received in [degF]); null: received in unit",
    )
    reported_unit: str | None = Field(None, description="The unit as received (UCUM) when converted")
    in_force: bool = Field(
        True, description="False: a device correction replaced or withdrew this reading (kept as history)"
    )


class AssessmentOut(BaseModel):
    id: int
    encounter_id: int
    created_at: str
    created_by: str
    disposition: Disposition
    news2: int | None
    red_flags: list[str]
    risks: dict[str, float]
    assessment: dict[str, Any] = Field(description="The engine's full Assessment (see docs/assessment.md)")


class WalkInOut(AssessmentOut):
    visit_already_open: bool = Field(
        description="True: the patient already had a visit open today, so no encounter was opened:"
        " the readings joined that visit (encounter_id) and it was assessed again over all its"
        " readings; false: this walk-in opened the visit"
    )


class EncounterDetail(BaseModel):
    encounter: EncounterOut
    patient: PatientOut
    observations: list[ObservationOut]
    assessment: AssessmentOut | None
    final_disposition: Disposition | None


class AssessRequest(_Body):
    context: PatientContextIn | None = None
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


#: The walk-in of docs/service.md's example (an integrator's first call), also in the OpenAPI document.
WALK_IN_EXAMPLE: dict[str, Any] = {
    "patient": {"mrn": "A-1001", "sex": "female"},
    "age_years": 67,
    "observations": [
        {"code": "spo2", "value": 89, "unit": "%"},
        {"code": "resp_rate", "value": 24, "unit": "/min"},
    ],
}


class WalkInAssessment(_Body):
    """One call for a walk-in: register (or find) the patient, open an encounter, store the
    readings, assess and store the assessment."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [WALK_IN_EXAMPLE]})

    patient: PatientCreate
    age_years: Annotated[int | None, JsonNumber] = Field(None, ge=0, le=130)
    context: PatientContextIn | None = None
    observations: list[ObservationEntry] = Field(min_length=1, max_length=200)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


class OverrideCreate(_Body):
    disposition: Disposition
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="Why (required)")


class OverrideOut(BaseModel):
    id: int
    assessment_id: int
    clinician: str
    disposition: Disposition
    reason: str
    created_at: str


class ObservationIds(BaseModel):
    ids: list[int]


class QueueItem(BaseModel):
    encounter_id: int
    started_at: str
    mrn: str
    name: str | None
    age_years: int | None
    closed_at: str | None = Field(None, description="When the visit was closed; null while open")
    assessment_id: int | None
    disposition: Disposition | None
    overridden: bool
    news2: int | None
    red_flags: list[str]


def _fingerprint(body: EncounterCreate | AssessRequest | WalkInAssessment) -> str | None:
    """The request body's fingerprint (without its key) when it carries an ``idempotency_key``:
    the key used again with another body is a 409 ``idempotency_conflict``, as for referrals."""
    return None if body.idempotency_key is None else store.request_digest(body)


def _patient_in(body: PatientCreate) -> PatientIn:
    return PatientIn(mrn=body.mrn, name=body.name, sex=body.sex, birth_date=body.birth_date)


@router.get("/patients", summary="List patients, newest first")
def list_patients(
    db: DbDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> PatientList:
    rows = db.query("SELECT * FROM patients ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset])
    count = int(db.conn.execute("SELECT count(*) FROM patients").fetchone()[0])
    return PatientList(data=[PatientOut.model_validate(r) for r in rows], count=count)


@router.post(
    "/patients",
    status_code=201,
    summary="Register a patient (200: found by MRN; never renamed: 422 when the MRN is another patient's)",
    responses={200: {"model": PatientRegistered, "description": "The patient already stored with this MRN"}},
)
def create_patient(
    body: PatientCreate, response: Response, db: DbDep, clinic: ClinicDep, who: Writer
) -> PatientRegistered:
    """201 with ``already_registered: false`` when the patient was registered; 200 with
    ``already_registered: true`` and the stored patient when the MRN was already registered to the
    same patient (details it had blank are filled in)."""
    plausible_birth(body.birth_date, ("birth_date",), clinic.clock)
    row, found = clinic.find_or_register_patient(db, _patient_in(body), actor=who.username)
    if found:
        response.status_code = 200
    return PatientRegistered.model_validate({**row, "already_registered": found})


@router.get("/patients/{patient_id}", summary="One patient")
def get_patient(patient_id: Id, db: DbDep, _: Reader) -> PatientOut:
    return PatientOut.model_validate(store.get_patient(db, patient_id))


@router.post(
    "/patients/{patient_id}/corrections",
    status_code=201,
    summary="Correct a patient's stored name, sex or birth date (reason required; old and new values audited)",
)
def correct_patient(
    patient_id: Id, body: PatientCorrection, db: DbDep, rt: RuntimeDep, who: Writer
) -> PatientCorrected:
    """For a mistake made at registration: the record number cannot be changed. 404 unknown
    patient; 422 naming the field for an empty reason or name, a birth date that is no date, in the
    future, more than 130 years ago or after one of the patient's visits, or when the details given
    are the ones stored (nothing to correct). A corrected birth date corrects the age of the
    patient's visits too. The audit entry ``patient.correct`` keeps the old and new values, who and
    why; ``GET .../corrections`` lists them."""
    plausible_birth(body.birth_date, ("birth_date",), rt.clock)
    row = patients.correct(
        db,
        patient_id,
        name=body.name,
        sex=body.sex,
        birth_date=body.birth_date,
        actor=who.username,
        reason=body.reason,
        clinic=rt.clock,
    )
    return PatientCorrected(
        patient=PatientOut.model_validate(row),
        correction=PatientCorrectionOut.model_validate(patients.corrections_of(db, patient_id)[-1]),
    )


@router.get(
    "/patients/{patient_id}/corrections",
    summary="A patient's corrected name, sex or birth date, oldest first",
)
def patient_corrections(patient_id: Id, db: DbDep, _: Reader) -> list[PatientCorrectionOut]:
    store.get_patient(db, patient_id)  # 404 for an unknown patient, not an empty list
    return [PatientCorrectionOut.model_validate(c) for c in patients.corrections_of(db, patient_id)]


@router.post(
    "/encounters",
    status_code=201,
    summary="Open an encounter for a registered patient (200: the visit already open today)",
    responses={200: {"model": EncounterOpened, "description": "The patient's visit already open today"}},
)
def create_encounter(
    body: EncounterCreate, response: Response, db: DbDep, clinic: ClinicDep, who: Writer
) -> EncounterOpened:
    """201 with a new encounter; 200 with ``already_open: true`` and the patient's visit already
    open today (nothing is written: a patient has one open visit a day, as on the walk-in page)."""
    row, already_open = clinic.open_visit(
        db,
        body.mrn,
        actor=who.username,
        age_years=body.age_years,
        key=body.idempotency_key,
        body_sha256=_fingerprint(body),
    )
    if already_open:
        response.status_code = 200
    return EncounterOpened.model_validate({**row, "already_open": already_open})


def encounter_detail(db: Any, encounter_id: int) -> EncounterDetail:
    encounter = store.get_encounter(db, encounter_id)
    latest = store.latest_assessment(db, encounter_id)
    in_force = {int(o["id"]) for o in corrections.observations_in_force(db, encounter_id)}
    return EncounterDetail(
        encounter=EncounterOut.model_validate(encounter),
        patient=PatientOut.model_validate(store.get_patient(db, int(encounter["patient_id"]))),
        observations=[
            ObservationOut.model_validate({**o, "in_force": o["id"] in in_force})
            for o in store.list_observations(db, encounter_id)
        ],
        assessment=None if latest is None else AssessmentOut.model_validate(stored_assessment_view(latest)),
        final_disposition=None if latest is None else store.final_disposition(db, latest),
    )


@router.get("/encounters/{encounter_id}", summary="An encounter with readings and latest assessment")
def get_encounter(encounter_id: Id, db: DbDep, _: Reader) -> EncounterDetail:
    return encounter_detail(db, encounter_id)


@router.post(
    "/encounters/{encounter_id}/close",
    summary="Close the encounter (the visit ends): its devices are detached, its referrals go on",
)
def close_encounter(
    encounter_id: Id, body: EncounterClose, db: DbDep, rt: RuntimeDep, who: Writer
) -> EncounterClosed:
    """404 for an unknown encounter, 409 for one already closed, 409 ``referral_not_made`` when the
    latest decision is a transfer or referral and no referral was made (send ``without_referral:
    true`` to close anyway; the decision is recorded in the audit entry). After the close, results from the
    detached devices are held for review, and new readings, assessments and device attachments for
    this encounter are refused (409: open a new encounter)."""
    closed = closing.close_encounter(
        rt, db, encounter_id, actor=who.username, reason=body.reason, without_referral=body.without_referral
    )
    return EncounterClosed(
        encounter=EncounterOut.model_validate(closed.encounter),
        ended_associations=[association_out(a, who) for a in closed.ended],
    )


@router.post(
    "/encounters/{encounter_id}/observations",
    status_code=201,
    summary="Add readings (manual entry or a device bridge); all or nothing",
)
def add_observations(
    encounter_id: Id,
    body: Annotated[list[ObservationEntry], Field(min_length=1, max_length=200)],
    db: DbDep,
    clinic: ClinicDep,
    who: Submitter,
) -> ObservationIds:
    observations = validate_observations(body)
    store.get_encounter(db, encounter_id)
    return ObservationIds(
        ids=clinic.add_observations(db, encounter_id, observations, actor=who.username, reason="manual entry")
    )


def _pregnant_only_if_not_male(context: dict[str, Any] | None, sex: str | None, whose: str) -> None:
    """The engine refuses a pregnant male naming the fields of its own input (``patient.pregnant``,
    as in a ``triage assess`` file); an API client sent ``context.pregnant``: name that, first."""
    if context is not None and context.get("pregnant") is True and sex == "male":
        raise UserInputError(f'context.pregnant: true is inconsistent with {whose} "male"')


@router.post(
    "/encounters/{encounter_id}/assessments",
    status_code=201,
    summary="Assess the encounter's readings now and store the result",
)
def assess_encounter(
    encounter_id: Id, body: AssessRequest, db: DbDep, clinic: ClinicDep, who: Writer
) -> AssessmentOut:
    context = body.context.model_dump(exclude_unset=True) if body.context else None
    if context is not None and context.get("pregnant") is True:
        patient_id = int(store.get_encounter(db, encounter_id)["patient_id"])
        _pregnant_only_if_not_male(
            context, store.get_patient(db, patient_id)["sex"], "the patient's stored sex"
        )
    row = clinic.assess_encounter(
        db,
        encounter_id,
        actor=who.username,
        source="api",
        context=context,
        key=body.idempotency_key,
        body_sha256=_fingerprint(body),
    )
    return AssessmentOut.model_validate(stored_assessment_view(row))


@router.post(
    "/assessments",
    status_code=201,
    response_model=WalkInOut,
    summary="Walk-in: register, record readings, assess, store",
)
async def walk_in(body: WalkInAssessment, rt: RuntimeDep, clinic: ClinicDep, who: Submitter) -> Response:
    """With an ``idempotency_key``, repeating the request returns the stored assessment; the key
    must not be reused for another patient or with a different body (409). When the patient already has a visit open today,
    no second one is opened: the readings join that visit, which is assessed again over all its
    readings (``visit_already_open: true``)."""
    plausible_birth(body.patient.birth_date, ("patient", "birth_date"), clinic.clock)
    observations = validate_observations(body.observations)
    context = body.context.model_dump(exclude_unset=True) if body.context else None
    if context is not None:
        clinic.check_context(context)
        _pregnant_only_if_not_male(context, body.patient.sex, "patient.sex")
        if context.get("pregnant") is True and body.patient.sex == "unknown":
            stored = store.find_patient(rt.databases.get(), body.patient.mrn)
            _pregnant_only_if_not_male(
                context, None if stored is None else stored["sex"], "the patient's stored sex"
            )
    key = body.idempotency_key
    patient_in = _patient_in(body.patient)
    age = body.age_years
    if age is None and body.patient.birth_date is not None:
        age = store.age_at(body.patient.birth_date.isoformat(), clinic.clock.now())
    # The CPU part (scores, rules, models, serialisation) runs here, before the request joins the
    # single writer; the writer only stores rows (and recomputes if the stored patient differs).
    pseudo = clinic.pseudonym_for(rt.databases.get(), body.patient.mrn)
    walk_in = WalkIn(
        actor=who.username,
        patient=patient_in,
        age_years=body.age_years,
        key=key,
        observations=[observation_row(o) for o in observations],
        context=context,
        prepared=clinic.prepare_walk_in(pseudo, age, body.patient.sex, observations, context, key),
        body_sha256=_fingerprint(body),
    )
    row = await store_walk_in(rt, clinic, walk_in)
    shown = stored_assessment_json(row, {ALREADY_OPEN: bool(row.get(ALREADY_OPEN, False))})
    return Response(shown, status_code=201, media_type="application/json")


@router.get("/assessments/{assessment_id}", summary="One stored assessment")
def get_assessment(assessment_id: Id, db: DbDep, _: Reader) -> AssessmentOut:
    return AssessmentOut.model_validate(stored_assessment_view(store.get_assessment(db, assessment_id)))


@router.post(
    "/assessments/{assessment_id}/overrides",
    status_code=201,
    summary="Clinician override of the decision (reason required, audited)",
)
def override_assessment(
    assessment_id: Id, body: OverrideCreate, db: DbDep, clinic: ClinicDep, who: Clinician
) -> OverrideOut:
    return OverrideOut.model_validate(
        clinic.override(db, assessment_id, body.disposition, body.reason, actor=who.username)
    )


@router.get("/queue", summary="Today's queue, most urgent first")
def queue(
    db: DbDep,
    rt: RuntimeDep,
    _: Reader,
    state: Annotated[
        QueueState,
        Query(description="Only the encounters still open, or only the closed ones (default: all)"),
    ] = "all",
) -> list[QueueItem]:
    today = rt.clock.today()
    return [QueueItem.model_validate(row) for row in staff_queue.staff_queue(db, today, state=state)]
