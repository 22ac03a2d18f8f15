"""Patient context: what the published scores need besides the device observations.

Every field is optional except ``spo2_scale2``.

**Age** is always taken in *completed years*, as clinicians state it and as every score's tables
and validity ranges are printed: from ``birth_date``, the years completed on the calendar day of
the assessment time (in that time's own UTC offset: give ``assessed_at`` with the clinic's offset);
a birthday on 29 February is reached on 1 March in other years. A fractional ``age`` (64.9) is
truncated to its completed years (64). With both given they must agree (:func:`age_in_years`). ``None`` means *unknown*: each score that needs a
field lists it under ``missing`` and never treats it as normal (a ``None`` smoker is not a
non-smoker). ``spo2_scale2`` is the NEWS2 SpO2 Scale 2 flag and must be set explicitly by a
clinician for a patient with confirmed hypercapnic respiratory failure (RCP 2017); it is never
inferred.

``acute_symptoms`` is what a clinician asked and recorded now, from a closed vocabulary
(``ACUTE_SYMPTOMS``): ``None`` not asked, ``[]`` asked and none present. With a blood pressure of
180 and/or 110 mmHg or more, any one of them (a headache or epigastric pain only in pregnancy from
20 weeks, or with the weeks not recorded, and in the 6 weeks after birth) is a hypertensive emergency (``triage.rules``, ``hypertensive_emergency``);
with such a pressure and ``None`` the Assessment lists ``acute_symptoms`` under ``missing_inputs``.
``acute_symptoms_at`` is when the answer was recorded (``None``: with this assessment). A symptom
recorded stays until a clinician records ``[]`` (conservative: target-organ damage suspected in this
visit is not cleared by time), but ``[]`` answers for the pressures measured up to then only: a
severe pressure measured after it is asked about again (``triage.readings.unasked``).

``postpartum`` is a birth in the last 6 weeks (42 days): ACOG Committee Opinion 767 (2019) treats
acute-onset severe hypertension (>=160 and/or >=110) after birth as in pregnancy, and pre-eclampsia
presents from 48 hours to 6 weeks after birth (Hauspurg A, Jeyabalan A. Am J Obstet Gynecol
2022;226:S1211), so a raised pressure then is assessed as in pregnancy (``triage.rules``).

``gestation_weeks`` is the completed weeks of pregnancy (1-45, a whole number), given only with
``pregnant`` true; ``None`` not recorded. Pre-eclampsia is a diagnosis from 20 weeks (ACOG Practice
Bulletin 222, 2020; ISSHP 2018): a criterion that stands for it (a headache as a sign of severe
pre-eclampsia) reads the weeks, and with the weeks unknown it is applied, conservatively, as from 20
weeks, the reason saying so (:attr:`PatientContext.pre_eclampsia_possible`).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

# what established ASCVD means (known_ascvd): said in the bottom layer, where the model cards'
# CARD.md (models.card_markdown, below the engine) take it from too
from referral.value_sets import KNOWN_ASCVD_MEANS as KNOWN_ASCVD_MEANS
from triage.errors import UserInputError, shown_input, validation_message
from triage.json_input import STRICT_MESSAGES, IsoDate, IsoTime, json_kind

FamilyHistoryDiabetes = Literal["none", "second_degree", "first_degree"]
AcuteSymptom = Literal[
    "chest_pain",
    "dyspnoea",
    "neurological_deficit",
    "confusion",
    "visual_loss",
    "headache",
    "epigastric_pain",
]
ACUTE_SYMPTOMS: tuple[str, ...] = get_args(AcuteSymptom)
"""Symptoms of acute target-organ damage a clinician records (ESC/ESH 2024; ISH 2020 s10.4): chest
pain (acute coronary syndrome, aortic dissection), breathlessness (acute pulmonary oedema), a new
neurological deficit (stroke), confusion (encephalopathy), visual loss or disturbance (retinopathy),
and a headache and right upper quadrant or epigastric pain, which count in pregnancy (severe
pre-eclampsia: from 20 weeks) and in the 6 weeks after birth (postpartum pre-eclampsia) only:
:data:`PRE_ECLAMPSIA_SYMPTOMS`."""
PRE_ECLAMPSIA_SYMPTOMS = ("headache", "epigastric_pain")
"""The symptoms that are signs here only as severe features of pre-eclampsia (ACOG Practice Bulletin
222, 2020, Box 3: new-onset headache; persistent right upper quadrant or epigastric pain not
accounted for by another diagnosis - with HELLP; NICE NG133 1.1.1: severe headache, severe pain just
below the ribs): counted in pregnancy from 20 weeks (or with the weeks not recorded) and in the 6
weeks after birth; outside them no sign alone (each has many causes)."""

MIN_GESTATION_WEEKS, MAX_GESTATION_WEEKS = 1, 45
PRE_ECLAMPSIA_FROM_WEEKS = 20
BMI_PLAUSIBLE = (8.0, 90.0)
"""The plausible body mass index, kg/m2 (the vocabulary's ``bmi`` range): a typed BMI outside it is
refused, and so is one that a height and a weight give (:func:`implausible_size`)."""
"""Pre-eclampsia is new hypertension with proteinuria or organ dysfunction from 20 weeks of
gestation (ACOG Practice Bulletin 222, 2020; ISSHP 2018); before it a raised pressure is chronic
(pre-existing) hypertension."""


class PatientContext(BaseModel):
    """Demographics, history and flags; plausibility-checked, otherwise taken as given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    patient_id: str | None = Field(None, max_length=128, description="Clinic patient identifier")
    age: float | None = Field(
        None, ge=0, le=130, description="Age in years; scores use completed years (64.9 is 64)"
    )
    birth_date: Annotated[date | None, IsoDate] = Field(
        None,
        description="ISO date, e.g. 1956-03-14; the age is the completed years on the assessment's day",
    )
    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = None
    diabetes: bool | None = Field(None, description="Known (diagnosed) diabetes")
    hypertension: bool | None = Field(None, description="Known (diagnosed) hypertension")
    ckd: bool | None = Field(None, description="Known chronic kidney disease")
    on_antihypertensives: bool | None = Field(None, description="Currently on blood-pressure medication")
    current_smoker: bool | None = None
    waist_cm: float | None = Field(None, ge=30, le=250, description="Waist circumference, cm")
    bmi: float | None = Field(
        None, ge=BMI_PLAUSIBLE[0], le=BMI_PLAUSIBLE[1], description="Body mass index, kg/m2"
    )
    height_cm: float | None = Field(None, ge=40, le=250)
    weight_kg: float | None = Field(None, ge=1, le=400)
    family_history_ascvd: bool | None = Field(
        None, description="Parent or sibling with atherosclerotic CVD (China-PAR definition)"
    )
    known_ascvd: bool | None = Field(
        None,
        description="Established (clinical) atherosclerotic cardiovascular disease: "
        + KNOWN_ASCVD_MEANS
        + "; true: secondary prevention - China-PAR, the PCE and the cvd10 and stroke10 models"
        " (primary prevention) do not apply",
    )
    family_history_diabetes: FamilyHistoryDiabetes | None = Field(
        None,
        description="none; second_degree (grandparent, aunt, uncle, first cousin); "
        "first_degree (parent, sibling, own child)",
    )
    region_north: bool | None = Field(None, description="Lives north of the Yangtze River")
    urban: bool | None = Field(None, description="Urban (true) or rural (false) residence")
    spo2_scale2: bool = Field(
        False, description="NEWS2 SpO2 Scale 2 (target 88-92 %), set by a clinician only"
    )
    physically_active: bool | None = Field(None, description="At least 30 min physical activity daily")
    daily_fruit_veg: bool | None = Field(None, description="Eats vegetables, fruit or berries every day")
    history_high_glucose: bool | None = Field(None, description="Ever found to have high blood glucose")
    region_code: str | None = Field(None, max_length=32, description="Administrative region code")
    acute_symptoms: tuple[AcuteSymptom, ...] | None = Field(
        None,
        description="Acute symptoms a clinician asked about and recorded now: any of "
        + ", ".join(ACUTE_SYMPTOMS)
        + " (headache and epigastric_pain - right upper quadrant or epigastric - count in pregnancy,"
        " from 20 weeks or with the weeks not recorded, and in the 6 weeks after birth only);"
        " [] asked, none; null not asked",
    )
    acute_symptoms_at: Annotated[AwareDatetime | None, IsoTime] = Field(
        None,
        description="When acute_symptoms was recorded, ISO 8601 with a UTC offset; null: with this"
        " assessment. [] (none) answers for the blood pressures measured up to then only",
    )
    postpartum: bool | None = Field(
        None,
        description="Gave birth in the last 6 weeks (42 days): a raised blood pressure is then"
        " assessed as in pregnancy (ACOG Committee Opinion 767: severe hypertension postpartum is an"
        " emergency; pre-eclampsia presents up to 6 weeks after birth); with pregnant true refused",
    )
    gestation_weeks: int | None = Field(
        None,
        ge=MIN_GESTATION_WEEKS,
        le=MAX_GESTATION_WEEKS,
        description="Completed weeks of pregnancy, a whole number 1-45, with pregnant true only;"
        " null not recorded (a criterion from 20 weeks is then applied, and the reason says so)",
    )

    @field_validator("acute_symptoms", mode="before")
    @classmethod
    def _symptom_list(cls, value: object) -> object:
        # a JSON array (a list) is the one shape taken; each symptom once, in the vocabulary's
        # order, anything else left for the vocabulary's check to name
        if isinstance(value, list | tuple):
            known = [s for s in ACUTE_SYMPTOMS if s in value]
            return (*known, *[s for s in value if not (isinstance(s, str) and s in ACUTE_SYMPTOMS)])
        if value is not None:
            raise ValueError('give a list of symptoms, e.g. ["chest_pain"] ([] for none; null: not asked)')
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PatientContext:
        if self.pregnant and self.sex == "male":
            raise UserInputError('patient.pregnant: true is inconsistent with patient.sex "male"')
        if self.postpartum and self.sex == "male":
            raise UserInputError('patient.postpartum: true is inconsistent with patient.sex "male"')
        if self.postpartum and self.pregnant:
            raise UserInputError(
                "patient.postpartum, patient.pregnant: both true; a woman who gave birth in the last 6"
                " weeks is postpartum (pregnant false), a pregnant one not postpartum"
            )
        if self.acute_symptoms_at is not None and self.acute_symptoms is None:
            raise UserInputError(
                "patient.acute_symptoms_at, patient.acute_symptoms: a time is given for acute symptoms"
                " not recorded (null); give the answer, or acute_symptoms_at null"
            )
        if self.gestation_weeks is not None and self.pregnant is not True:
            stated = "false" if self.pregnant is False else "not recorded (null)"
            raise UserInputError(
                f"patient.gestation_weeks, patient.pregnant: {self.gestation_weeks} weeks of pregnancy"
                f" given where pregnant is {stated}; set pregnant to true, or gestation_weeks to null"
            )
        return self

    @property
    def pre_eclampsia_possible(self) -> bool:
        """Pregnant from 20 completed weeks, or pregnant with the weeks not recorded (conservative):
        when a sign of severe pre-eclampsia (a headache, epigastric pain) counts."""
        if not self.pregnant:
            return False
        return self.gestation_weeks is None or self.gestation_weeks >= PRE_ECLAMPSIA_FROM_WEEKS

    @property
    def bmi_value(self) -> float | None:
        """Recorded BMI, else weight / height^2 when both are known and it is plausible (a pair
        refused at intake, :func:`patient_from_mapping`, but stored before), else ``None``."""
        if self.bmi is not None:
            return self.bmi
        height, weight = self.height_cm, self.weight_kg
        if height is not None and weight is not None and implausible_size(height, weight) is None:
            return bmi_of(height, weight)
        return None

    @property
    def family_history_diabetes_first_degree(self) -> bool | None:
        if self.family_history_diabetes is None:
            return None
        return self.family_history_diabetes == "first_degree"


def bmi_of(height_cm: float, weight_kg: float) -> float:
    """Weight / height^2, kg/m2 (as the scores and the models have always worked it out: ``** 2``
    differs from ``metres * metres`` in the last bit for about 1 in 1,400 sizes)."""
    return weight_kg / (height_cm / 100.0) ** 2


def implausible_size(height_cm: float | None, weight_kg: float | None) -> str | None:
    """What is wrong with a height and weight whose BMI is outside :data:`BMI_PLAUSIBLE` (each in
    its own range, together impossible: 100 cm and 300 kg give 300), naming both and the BMI they
    give; ``None`` when either is unknown or the BMI is plausible."""
    if height_cm is None or weight_kg is None:
        return None
    bmi = bmi_of(height_cm, weight_kg)
    low, high = BMI_PLAUSIBLE
    if low <= bmi <= high:
        return None
    return (
        f"height {height_cm:g} cm and weight {weight_kg:g} kg give a BMI of {bmi:.1f} kg/m2, outside"
        f" the plausible range {low:g}-{high:g} kg/m2; check both (a height in metres, a weight in"
        " pounds or grams?)"
    )


def completed_years(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on``: the birthday not yet reached this year does not count
    (born 1961-03-14: 64 on 2026-03-13, 65 on 2026-03-14)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_in_years(patient: PatientContext, when: datetime) -> int | None:
    """The patient's age in completed years at the assessment time ``when`` (timezone-aware).

    From ``birth_date`` on ``when``'s calendar day; else ``age`` truncated (a fractional age is not
    rounded up: 64.9 has not completed 65 years). ``None`` when neither is known. Refused
    (``UserInputError`` naming both fields) when both are given and disagree, or when the birth
    date is after the assessment day or gives an age over 130."""
    born, age = patient.birth_date, patient.age
    if born is None:
        return None if age is None else math.floor(age)
    day = when.date()
    if born > day:
        raise UserInputError(
            f"patient.birth_date: {born.isoformat()} is after the assessment day {day.isoformat()}"
        )
    years = completed_years(born, day)
    if years > 130:
        raise UserInputError(
            f"patient.birth_date: {born.isoformat()} gives an age of {years} years on"
            f" {day.isoformat()}, above 130; check the year"
        )
    if age is not None and math.floor(age) != years:
        raise UserInputError(
            f"patient.age, patient.birth_date: age {age:g} disagrees with birth date"
            f" {born.isoformat()} ({years} completed years on {day.isoformat()}); give one, or correct it"
        )
    return years


def patient_from_mapping(data: object, *, where: str = "patient") -> PatientContext:
    """Validate a decoded JSON object as a :class:`PatientContext`; errors name ``where.field``.

    Strictly (``triage.json_input``): a yes/no field takes ``true``/``false`` only (``"false"``
    or ``0`` for ``pregnant`` is refused, not guessed) and a number field a JSON number only."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise UserInputError(f"{where}: expected an object, got {json_kind(data)}")
    try:
        patient = PatientContext.model_validate(data, strict=True)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            value = err.get("input")
            message = STRICT_MESSAGES.get(err["type"]) or validation_message(err)
            if err["type"] == "extra_forbidden":  # a misspelt key: say so, and which keys there are
                problems.append(
                    f"{where}.{loc}: unknown field; allowed: {', '.join(sorted(PatientContext.model_fields))}"
                )
                continue
            if err["type"] == "float_type" and isinstance(value, int) and not isinstance(value, bool):
                message = "is too large to be a number"  # an int beyond any float
            if err["type"] == "int_type" and isinstance(value, float):  # 20.5 is a number, not whole
                message = "must be a whole number, without a decimal point (completed weeks, e.g. 20)"
            problems.append(f"{where}.{loc}: {message}{shown_input(value)}")
        raise UserInputError("; ".join(problems)) from None
    except UserInputError as exc:  # a check across fields names them ("patient.pregnant: ... patient.sex")
        raise UserInputError(f"{where.removesuffix('patient')}{exc}") from None  # and now the file
    size = implausible_size(patient.height_cm, patient.weight_kg)
    if size is not None:  # refused at intake; a pair stored before is not used (riskfeatures)
        raise UserInputError(f"{where.removesuffix('patient')}patient.height_cm, patient.weight_kg: {size}")
    return patient
