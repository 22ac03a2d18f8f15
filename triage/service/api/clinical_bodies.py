"""The request and response bodies of the clinical API (:mod:`triage.service.api.clinical`):
patients, encounters, observations, assessments, overrides, the queue - what each field accepts
and how it is refused, as the OpenAPI document shows them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from referral import patients
from referral.clock import Clock
from referral.closure import REASON_LIMIT
from referral.records import NameInput, RecordNumberInput, check_birth_date
from triage.assessment import Disposition
from triage.bp_pair import check_pairs
from triage.errors import ClinicError, UnitError, UserInputError
from triage.json_input import IsoTime, JsonBoolean, JsonNumber, iso_date
from triage.observation import Observation
from triage.patient import (
    ACUTE_SYMPTOMS,
    KNOWN_ASCVD_MEANS,
    MAX_GESTATION_WEEKS,
    MIN_GESTATION_WEEKS,
    AcuteSymptom,
    implausible_size,
)
from triage.service.api.associations import AssociationOut
from triage.service.api.deps import NotBoolean
from triage.service.api.paging import NextPage
from triage.service.api.reading_time import not_ahead
from triage.units import require_unit_if_ambiguous

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
    name: Annotated[str | None, NameInput] = Field(None, max_length=200)
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
    name: Annotated[str | None, NameInput] = Field(
        None, max_length=200, description="The right name; null: unchanged"
    )
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
    count: int = Field(
        description="Every patient that matches (every patient stored without `mrn`), not only this"
        " page (kept for earlier clients: the same as `total`)"
    )
    total: int = Field(
        description="Every patient that matches (every patient stored without `mrn`), over all pages"
    )
    next: NextPage


class ObservationEntry(_Body):
    code: str = Field(min_length=1, max_length=64, examples=["spo2"], description="Vocabulary code")
    value: Annotated[float | str | None, NotBoolean, BeforeValidator(_json_scalar)] = Field(
        description="Number, censored string ('>33.3') or coded answer; null only for cannot_be_done",
        examples=[91],
    )
    unit: str | None = Field(
        None,
        max_length=32,
        examples=["%"],
        description="UCUM or a common spelling (mmHg, mg/dl, kPa ...); without one the code's own unit"
        " (mm[Hg], mmol/L, %), except where the value is plausible in another unit the code takes too"
        " (a glucose of 30: mmol/L or mg/dL?): that reading is a 422 naming `observations[i].unit`"
        " (`body[i].unit` in readings added to a visit, whose body is the list)",
    )
    observed_at: Annotated[AwareDatetime | None, IsoTime] = Field(
        None,
        description="ISO 8601 with a UTC offset, e.g. 2026-12-05T09:30:00+08:00 (not a Unix time); default:"
        " now. At most the policy's freshness.future_tolerance_minutes (5) after the service's clock:"
        " a time further ahead is a 422 naming it",
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
            observation = Observation.create(
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
        if self.unit is None or not self.unit.strip():
            unit_not_ambiguous(observation, where)
        return observation


def unit_not_ambiguous(observation: Observation, where: str) -> None:
    """A reading sent without a unit is read in its code's own unit only where no other unit the
    code takes makes its value plausible too (``triage.units.require_unit_if_ambiguous``, as
    ``triage assess`` and a device's result): else refused naming its ``unit``, nothing stored."""
    try:
        require_unit_if_ambiguous(observation.code, observation.value, None)
    except UnitError as exc:
        raise UserInputError(f"{where}.unit: {exc}") from None


def validate_observations(
    entries: list[ObservationEntry], future_tolerance: timedelta, where: str = "observations"
) -> list[Observation]:
    """All or nothing: every entry is validated before anything is written; a diastolic pressure
    at or above the systolic given with it is refused naming both (``triage.bp_pair``), a reading
    observed more than ``future_tolerance`` (the policy's) after now naming its ``observed_at``
    (:mod:`triage.service.api.reading_time`)."""
    observations = [entry.to_observation(f"{where}[{i}]") for i, entry in enumerate(entries)]
    not_ahead(observations, where, datetime.now(UTC), future_tolerance)
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
    postpartum: Annotated[bool | None, JsonBoolean] = Field(
        None,
        description="Gave birth in the last 6 weeks (42 days): a blood pressure of 140 and/or 90 mmHg or"
        " more is then a same-day obstetric assessment, 160 and/or 110 an emergency transfer, as in"
        " pregnancy (ACOG Committee Opinion 767); not with pregnant true; null not known",
    )
    waist_cm: Annotated[float | None, JsonNumber] = Field(None, ge=30, le=250)
    bmi: Annotated[float | None, JsonNumber] = Field(None, ge=8, le=90)
    height_cm: Annotated[float | None, JsonNumber] = Field(None, ge=40, le=250)
    weight_kg: Annotated[float | None, JsonNumber] = Field(None, ge=1, le=400)
    family_history_ascvd: YesNo = None
    known_ascvd: Annotated[bool | None, JsonBoolean] = Field(
        None,
        description="Established (clinical) ASCVD: "
        + KNOWN_ASCVD_MEANS
        + ". true: secondary prevention - China-PAR, the PCE and the cvd10 and stroke10 models are"
        " not applied (not applicable, not scored, the reason saying why); null not known",
    )
    region_north: YesNo = None
    urban: YesNo = None
    spo2_scale2: Annotated[bool, JsonBoolean] = Field(
        False, description="NEWS2 SpO2 Scale 2, set by a clinician only"
    )
    acute_symptoms: list[AcuteSymptom] | None = Field(
        None,
        description="Acute symptoms a clinician asked about and recorded now (any of "
        + ", ".join(ACUTE_SYMPTOMS)
        + "; headache and epigastric_pain (right upper quadrant or epigastric) count in pregnancy, from"
        " 20 weeks or with gestation_weeks not recorded, and in the 6 weeks after birth only):"
        " with a blood pressure of 180 and/or 110 mmHg or more, any one is a hypertensive emergency."
        " [] asked, none; null not asked",
    )
    gestation_weeks: Annotated[int | None, JsonNumber] = Field(
        None,
        ge=MIN_GESTATION_WEEKS,
        le=MAX_GESTATION_WEEKS,
        description="Completed weeks of pregnancy (a whole number 1-45), with pregnant true only; null"
        " not recorded: a criterion from 20 weeks (a headache as a sign of pre-eclampsia) is then"
        " applied and the reason says so",
    )

    @model_validator(mode="before")
    @classmethod
    def _weeks_of_a_pregnancy(cls, data: Any) -> Any:
        """Weeks sent with ``pregnant`` false or null in the same body are named as the body names
        them (``context.``; the engine's own check says ``patient.``, the walk-in's other object).
        Weeks alone may follow a pregnancy stated earlier in the visit: the engine checks those."""
        if isinstance(data, dict) and data.get("gestation_weeks") is not None and "pregnant" in data:
            pregnant = data["pregnant"]
            if pregnant is False or pregnant is None:
                raise PydanticCustomError(
                    "weeks_without_pregnancy",
                    "gestation_weeks given with pregnant {stated}; set pregnant to true, or"
                    " gestation_weeks to null",
                    {"stated": "false" if pregnant is False else "null"},
                )
        return data

    @model_validator(mode="after")
    def _birth_or_pregnancy(self) -> PatientContextIn:
        """``postpartum`` and ``pregnant`` both true in one body, named as the body names them (the
        engine's own check says ``patient.``; with one stated earlier in the visit it refuses)."""
        if self.postpartum and self.pregnant:
            raise UserInputError(
                "context.postpartum, context.pregnant: both true; a woman who gave birth in the last 6"
                " weeks is postpartum (pregnant false), a pregnant one not postpartum"
            )
        return self

    @model_validator(mode="after")
    def _plausible_size(self) -> PatientContextIn:
        """A height and weight sent together whose BMI is implausible, named as the body names
        them (the engine's own check says ``patient.``); one joining a size stated earlier in the
        visit is refused by the engine's check when the visit is assessed, nothing stored."""
        size = implausible_size(self.height_cm, self.weight_kg)
        if size is not None:
            raise UserInputError(f"context.height_cm, context.weight_kg: {size}")
        return self


class EncounterCreate(_Body):
    mrn: Annotated[str, RecordNumberInput] = Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")
    age_years: Annotated[int | None, JsonNumber] = Field(None, ge=0, le=130)
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Sent again with the same body, the encounter it opened is returned; a key ending"
        " in `:encounter` is refused (422): those keys are the visits walk-ins open (the walk-in's key"
        " plus `:encounter`)",
    )


#: How a field naming a member of staff reads for the analyst (api.analyst_view).
ANALYST_SEES = (
    "; for the analyst a pseudonym (`staff-` and 16 hex digits, the same for one account everywhere)"
    " or the service's own actor (`device-gateway`)"
)


class EncounterOut(BaseModel):
    id: int
    patient_id: int
    facility_id: str | None
    started_at: str
    day: str
    age_years: int | None
    created_by: str = Field(description=f"Who opened it{ANALYST_SEES}")
    closed_at: str | None = Field(
        None,
        description="When the visit was closed (ISO 8601 UTC); null while open. A closed encounter"
        " takes no new readings, assessments or devices",
    )
    closed_by: str | None = Field(None, description=f"Who closed it; null while open{ANALYST_SEES}")
    close_reason: str | None = Field(
        None,
        description="Why it was closed; null while open, and for the analyst (free text is not shown to it)",
    )


class EncounterListItem(EncounterOut):
    """An encounter in a list, with its latest decision: a client read each visit apart for it."""

    assessment_id: int | None = Field(description="The visit's latest assessment; null: never assessed")
    disposition: Disposition | None = Field(
        description="The visit's latest decision: a clinician's latest override of the latest"
        " assessment, else the engine's disposition (as the queue and `final_disposition` of"
        " `GET /api/v1/encounters/{id}` show it); null: never assessed"
    )
    decided_at: str | None = Field(
        description="When that decision was stored, the override's or the assessment's time (ISO 8601"
        " with a UTC offset); null: never assessed"
    )
    overridden: bool = Field(description="The decision is a clinician's override")


#: An encounter's decision fields (EncounterListItem) before its first assessment.
NEVER_DECIDED: dict[str, Any] = {
    "assessment_id": None,
    "disposition": None,
    "decided_at": None,
    "overridden": False,
}


class EncounterList(BaseModel):
    data: list[EncounterListItem] = Field(description="This page's encounters, newest first")
    total: int = Field(description="Every encounter of the patient, open and closed, over all pages")
    next: NextPage


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
    proposed_referrals: list[int] = Field(
        description="The ids of the visit's referrals proposed and not sent, which the close leaves"
        " open: a clinician sends or cancels each (the staff page's close form names them)"
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
    created_by: str = Field(description=f"Who made it{ANALYST_SEES}")
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
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Sent again with the same body (a retry), the stored override is returned and"
        " nothing is written; with another body or on another assessment, 409 `idempotency_conflict`;"
        " kept for `idempotency_retention_s`; the clinician's own: another clinician's request with"
        " the same key is its own override",
    )


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
