"""Build a risk model's input features from a patient context and the latest observations.

Pure: no I/O, no onnxruntime. A model card names each feature and says where it comes from
(``patient`` -> a :class:`~triage.patient.PatientContext` field, ``observation`` -> a vocabulary
code). Unknown stays unknown: a ``None`` field or an absent observation becomes ``None`` here and
the model applies the missing-value policy its card declares (reject or impute the training
median, recorded and explained) - never a silent zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from models.card import ModelCard
from triage.errors import UserInputError, json_text
from triage.patient import BMI_PLAUSIBLE, PatientContext, bmi_of
from triage.phrases import (
    AGE_OUTSIDE,
    BMI_FROM_SIZE,
    BMI_MEASURED,
    BMI_SIZE_NOT_USED,
    BMI_STATED_DIFFERS,
    EXCLUDED,
    INCOMPLETE,
    INCOMPLETE_NOTED,
    MODEL_UNITS,
    SEX_MISMATCH,
    SEX_UNKNOWN,
    STAND_IN,
    Phrase,
)
from triage.vocabulary import concept

# the phrases as %-formats (str.format with keywords costs about a microsecond a call)
_STAND_IN = STAND_IN.printf({"feature": "%s", "alternative": "%s", "value": "%g %s"})
_SEX_UNKNOWN = SEX_UNKNOWN.printf({"sex": "%s"})
_SEX_MISMATCH = SEX_MISMATCH.printf({"sex": "%s", "patient_sex": "%s"})
_EXCLUDED = EXCLUDED.printf({"flag": "%s"})
_AGE_OUTSIDE = AGE_OUTSIDE.printf({"age": "%s", "low": "%s", "high": "%s"})

DIPSTICK_ORDINAL: dict[str, float] = {"neg": 0.0, "trace": 1.0, "1+": 2.0, "2+": 3.0, "3+": 4.0, "4+": 5.0}
"""Ordinal coding of dipstick grades (vocabulary answers) used by models trained on grades 0-5."""

ORDINAL_OBSERVATIONS: dict[str, dict[str, float]] = {
    "urine_protein": DIPSTICK_ORDINAL,
    "urine_glucose": DIPSTICK_ORDINAL,
}


def _flag(value: bool | None) -> float | None:
    return None if value is None else float(value)


def _sex_male(patient: PatientContext) -> float | None:
    sex = patient.__dict__["sex"]  # the field itself: an attribute read takes pydantic's slow path
    return None if sex is None else float(sex == "male")


PATIENT_FEATURES: dict[str, Callable[[PatientContext], float | None]] = {
    "age": lambda p: p.age,
    "sex_male": _sex_male,
    "bmi": lambda p: p.bmi_value,
    "waist_cm": lambda p: p.waist_cm,
    "current_smoker": lambda p: _flag(p.current_smoker),
    "diabetes": lambda p: _flag(p.diabetes),
    "hypertension": lambda p: _flag(p.hypertension),
    "ckd": lambda p: _flag(p.ckd),
    "on_antihypertensives": lambda p: _flag(p.on_antihypertensives),
    "family_history_ascvd": lambda p: _flag(p.family_history_ascvd),
    "physically_active": lambda p: _flag(p.physically_active),
}
"""Features taken from the patient context; ``bmi`` is :func:`body_mass_index` (measured first)."""

PATIENT_FIELDS: dict[str, str] = {
    "age": "age",
    "waist_cm": "waist_cm",
    "current_smoker": "current_smoker",
    "diabetes": "diabetes",
    "hypertension": "hypertension",
    "ckd": "ckd",
    "on_antihypertensives": "on_antihypertensives",
    "family_history_ascvd": "family_history_ascvd",
    "physically_active": "physically_active",
}
"""The patient features above that are one PatientContext field as a number (a flag as 0/1):
:func:`feature_row` reads them from the record's fields without a getter per feature
(``tests/triage/test_riskmodel_rows.py`` checks they agree with :data:`PATIENT_FEATURES`)."""


def _measured(value: object) -> float | None:
    """A measured number as a float (an ``int`` from a caller too); ``None`` for none."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


BmiSource = Phrase | tuple[Phrase, float, float, float]
"""Where a BMI came from: a phrase (:data:`BMI_MEASURED`, :data:`BMI_FROM_SIZE`), or a measured size
not used (:data:`BMI_SIZE_NOT_USED`, the height, weight and the implausible BMI they give)."""


def _plausible(bmi: float) -> bool:
    return BMI_PLAUSIBLE[0] <= bmi <= BMI_PLAUSIBLE[1]


def body_mass_index(
    fields: Mapping[str, Any], values: Mapping[str, float | str]
) -> tuple[float | None, BmiSource | None]:
    """The BMI the scores and the risk models take, and where it came from: a measured ``bmi``;
    else weight / height^2 with a measured ``weight`` or ``height`` (the other as measured, else as
    stated in the patient's ``fields``: a scale sends the weight alone); else the stated BMI, or the
    stated weight and height (``None``: nothing measured). A size measured today wins over one
    stated earlier (the models took the stated BMI over a measured one). A weight / height^2 outside
    the plausible BMI (``BMI_PLAUSIBLE``: 100 cm and 300 kg give 300) is never used: the stated BMI
    is (or none), and the source says which pair was not used."""
    get = values.get
    source: BmiSource | None = None
    raw_bmi, raw_height, raw_weight = get("bmi"), get("height"), get("weight")
    if raw_bmi is not None or raw_height is not None or raw_weight is not None:  # a size measured today
        bmi, height, weight = _measured(raw_bmi), _measured(raw_height), _measured(raw_weight)
        if bmi is not None:
            return bmi, BMI_MEASURED
        if height is not None or weight is not None:
            h = height if height is not None else fields["height_cm"]
            w = weight if weight is not None else fields["weight_kg"]
            if h is not None and w is not None:
                measured = "_".join(n for n, v in (("weight", weight), ("height", height)) if v is not None)
                derived = bmi_of(h, w)
                if _plausible(derived):
                    return derived, BMI_FROM_SIZE[measured]
                source = (BMI_SIZE_NOT_USED[measured], h, w, derived)
    stated, h, w = fields["bmi"], fields["height_cm"], fields["weight_kg"]
    if stated is None and h is not None and w is not None:
        stated = bmi_of(h, w)
        if not _plausible(stated):  # refused at intake, but a visit may hold a pair stored before
            source = source or (BMI_SIZE_NOT_USED["stated"], h, w, stated)
            stated = None
    return stated, source


def bmi_note(
    patient: PatientContext,
    values: Mapping[str, float | str],
    found: tuple[float | None, BmiSource | None] | None = None,
) -> str | None:
    """The explanation's note of a BMI measured today (``bmi 32.9 from weight / height^2 (weight
    measured, height as stated)``: ``triage.phrases.BMI_FROM_SIZE``, ``BMI_MEASURED``, which the
    staff pages translate), so a reader can tell it from the stated one; ``None`` when the BMI is
    the stated one, as before. ``found``: :func:`body_mass_index` of the same patient and values,
    when the caller has it already."""
    bmi, source = found if found is not None else body_mass_index(patient.__dict__, values)
    if source is None:
        return None
    if isinstance(source, tuple):
        return size_not_used(source)
    if bmi is None:
        return None
    note = source.format(**_SIZE_CODES, value=f"{bmi:.1f}")
    stated = patient.__dict__["bmi"]
    if stated is not None and abs(bmi - stated) > BMI_STATED_APART:
        apart = f"{abs(bmi - stated):.1f}"
        note += "; " + BMI_STATED_DIFFERS.format(bmi="bmi", stated=f"{stated:g}", apart=apart)
    return note


BMI_STATED_APART = 2.0
"""kg/m2: a typed BMI further than this from the one measured today is named as not used."""


_SIZE_CODES = {"bmi": "bmi", "weight": "weight", "height": "height"}


def size_not_used(source: tuple[Phrase, float, float, float]) -> str:
    """Why a height and weight were not used (``weight 300 kg / height 100 cm^2 (weight measured,
    height as stated) gives bmi 300.0, outside the plausible 8-90 kg/m2: not used``)."""
    phrase, height, weight, derived = source
    low, high = BMI_PLAUSIBLE
    return phrase.format(
        **_SIZE_CODES,
        value=f"{derived:.1f}",
        weight_kg=f"{weight:g}",
        height_cm=f"{height:g}",
        low=f"{low:g}",
        high=f"{high:g}",
    )


def bmi_missing_noted(scores: dict[str, Any], source: BmiSource) -> None:
    """Each score in ``scores`` that lists ``bmi`` missing because a size pair was not used
    (``source`` a :data:`BMI_SIZE_NOT_USED` tuple) says why, as the model explanations do: its
    detail's last clause ``; incomplete, missing bmi (weight 300 kg / ... : not used)``."""
    if not isinstance(source, tuple):
        return
    note = size_not_used(source)
    for name, result in scores.items():
        missing = result.missing
        if "bmi" not in missing:
            continue
        tail = INCOMPLETE.format(missing=", ".join(missing))
        if result.detail.endswith(tail):
            detail = result.detail[: -len(tail)] + INCOMPLETE_NOTED.format(
                missing=", ".join(missing), note=note
            )
            scores[name] = result.model_copy(update={"detail": detail})


def observation_value(code: str, raw: float | str) -> float:
    """A model-ready number for an observation value; ``UserInputError`` naming the code otherwise."""
    if code in ORDINAL_OBSERVATIONS:
        grades = ORDINAL_OBSERVATIONS[code]
        if not isinstance(raw, str) or raw not in grades:
            raise UserInputError(
                f"observation {code}: {json_text(raw)} is not a dipstick grade; allowed: {', '.join(grades)}"
            )
        return grades[raw]
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise UserInputError(
            f"observation {code}: expected a number in canonical units, got {json_text(raw)}"
        )
    if not math.isfinite(raw):
        raise UserInputError(f"observation {code}: {json_text(raw)} is not a finite number")
    return float(raw)


def feature_value(
    name: str, source: str, patient: PatientContext, values: Mapping[str, float | str]
) -> float | None:
    """One feature's value, or ``None`` when it is unknown."""
    if source == "patient" and name == "bmi":
        return body_mass_index(patient.__dict__, values)[0]
    if source == "patient":
        getter = PATIENT_FEATURES.get(name)
        if getter is None:
            raise UserInputError(
                f"risk feature {json_text(name)}: no PatientContext mapping; known: {', '.join(PATIENT_FEATURES)}"
            )
        value = getter(patient)
        if value is None and name in values:
            return observation_value(name, values[name])
        return None if value is None else float(value)
    if name not in values or values[name] is None:
        return None
    return observation_value(name, values[name])


SUBSTITUTES: dict[str, tuple[str, ...]] = {"glucose_random": ("glucose_fasting",)}
"""When an observation feature is unknown, these codes stand in for it (in order), and the
prediction's explanation says so: a fasting glucose is a plasma glucose taken at a known time,
closer to the patient's truth than the training median."""


def substitute(
    features: dict[str, float | None], names: tuple[str, ...], values: Mapping[str, float | str]
) -> list[str]:
    """Fill unknown ``names`` from their stand-in codes in ``values``; returns what was done."""
    notes = []
    for name in names:
        if features.get(name) is not None:
            continue
        for alternative in SUBSTITUTES[name]:
            raw = values.get(alternative)
            if raw is not None:
                features[name] = observation_value(alternative, raw)
                # with its unit, as the explanation's other values: "(6.1 mmol/L; ...)"
                unit = MODEL_UNITS.get(concept(alternative).unit, concept(alternative).unit)
                notes.append(_STAND_IN % (name, alternative, features[name], unit, name))
                break
    return notes


FeatureGetter = Callable[[PatientContext, Mapping[str, float | str]], float | None]


def bmi_feature(patient: PatientContext, values: Mapping[str, float | str]) -> float | None:
    """The ``bmi`` feature: :func:`body_mass_index` (a size measured today first)."""
    return body_mass_index(patient.__dict__, values)[0]


def _getter(name: str, source: str) -> FeatureGetter:
    def get(patient: PatientContext, values: Mapping[str, float | str]) -> float | None:
        return feature_value(name, source, patient, values)

    if source == "patient":
        if name not in PATIENT_FEATURES:
            raise UserInputError(
                f"risk feature {json_text(name)}: no PatientContext mapping; known: {', '.join(PATIENT_FEATURES)}"
            )
        field = PATIENT_FEATURES[name]
        if name == "bmi":  # a size measured today first, as the scores take it
            return bmi_feature

        def get_patient(patient: PatientContext, values: Mapping[str, float | str]) -> float | None:
            value = field(patient)
            if value is None:
                return observation_value(name, values[name]) if name in values else None
            return float(value)

        return get_patient
    if source == "observation" and name not in ORDINAL_OBSERVATIONS:

        def get_number(patient: PatientContext, values: Mapping[str, float | str]) -> float | None:
            raw = values.get(name)
            if raw is None:
                return None
            if type(raw) is float and raw - raw == 0.0:  # finite float: the common case, no further checks
                return raw
            return observation_value(name, raw)

        return get_number
    return get


RowPlan = tuple[tuple[str, str | None, FeatureGetter | None], ...]


def row_plan(card: ModelCard) -> RowPlan:
    """How :func:`feature_row` reads each feature of ``card``, in card order: ``(name, field,
    None)`` for a :data:`PATIENT_FIELDS` feature, ``(name, None, None)`` for a numeric observation,
    ``(name, None, getter)`` for everything else. Built once per model."""
    plan: list[tuple[str, str | None, FeatureGetter | None]] = []
    for f in card.features:
        getter = _getter(f.name, f.source)  # also refuses unknown patient features
        if f.source == "patient" and f.name in PATIENT_FIELDS:
            plan.append((f.name, PATIENT_FIELDS[f.name], None))
        elif f.source == "observation" and f.name not in ORDINAL_OBSERVATIONS:
            plan.append((f.name, None, None))
        else:
            plan.append((f.name, None, getter))
    return tuple(plan)


def feature_row(
    plan: RowPlan,
    patient: PatientContext,
    values: Mapping[str, float | str],
    bmi: tuple[float | None, BmiSource | None] | None = None,
) -> list[float | None]:
    """The features of a :func:`row_plan` in card order (``None`` = unknown): the same values as
    the per-feature getters of :func:`compile_features`, in one loop over the patient's fields.
    ``bmi``: :func:`body_mass_index` of the same patient and values, when the caller has it (the
    models that take the BMI share it; else it is worked out here)."""
    fields = patient.__dict__
    get = values.get
    row: list[float | None] = []
    for name, field, getter in plan:
        if field is not None:  # a PatientContext field, else a measured observation of that name
            value = fields[field]
            if value is None:
                row.append(observation_value(name, values[name]) if name in values else None)
            else:
                row.append(float(value))
        elif getter is None:  # a numeric observation
            raw = get(name)
            if raw is None or (raw.__class__ is float and raw - raw == 0.0):  # unknown, or a finite float
                row.append(raw)
            else:
                row.append(observation_value(name, raw))
        elif getter is bmi_feature and bmi is not None:
            row.append(bmi[0])
        else:
            row.append(getter(patient, values))
    return row


def substitutable(card: ModelCard) -> tuple[str, ...]:
    """The card's observation features that have stand-ins in :data:`SUBSTITUTES`."""
    return tuple(f.name for f in card.features if f.source == "observation" and f.name in SUBSTITUTES)


def compile_features(card: ModelCard) -> tuple[tuple[str, FeatureGetter], ...]:
    """Per-feature getters in card order, built once per model (scoring is on the hot path)."""
    return tuple((f.name, _getter(f.name, f.source)) for f in card.features)


def build_features(
    card: ModelCard, patient: PatientContext, values: Mapping[str, float | str]
) -> dict[str, float | None]:
    """Every feature of ``card`` by name (``None`` = unknown), in card order (no stand-ins applied)."""
    return {f.name: feature_value(f.name, f.source, patient, values) for f in card.features}


Limits = tuple[str | None, tuple[str, ...], tuple[float, float] | None]
"""A card's population limits as plain values: sex, exclusion flags, ages (low, high)."""


FIRST_EVENT_MODELS = frozenset({"cvd10", "stroke10"})
FIRST_EVENT_EXCLUDED = ("known_ascvd", "pregnant")
"""Models of a *first* cardiovascular event in 10 years, trained on people without prior coronary
heart disease or stroke (their cards' population), as the 10-year equations are: a patient with
established ASCVD (``known_ascvd``, secondary prevention: ``triage.patient.KNOWN_ASCVD_MEANS``) is
outside it, and so is a pregnant woman, whose blood pressure and cholesterol are not her own baseline
(China-PAR and the PCE are not applied in pregnancy either) - whatever the card's flags say (the
cvd10 and stroke10 cards name both in population.exclude_if; a card without them is screened the same)."""


def population_limits(card: ModelCard) -> Limits | None:
    """The card's population limits, read once per model; ``None`` when it limits nothing."""
    population = card.population
    exclude_if = tuple(population.exclude_if)
    if card.name in FIRST_EVENT_MODELS:
        exclude_if += tuple(flag for flag in FIRST_EVENT_EXCLUDED if flag not in exclude_if)
    if population.sex is None and not exclude_if and population.ages is None:
        return None
    return population.sex, exclude_if, population.ages


def outside_population(limits: Limits, patient: PatientContext) -> str | None:
    """:func:`not_applicable_reason` for :func:`population_limits` read beforehand (the patient's
    sex and age read from the record's fields: ``triage.selection.select_observations`` says why)."""
    sex, exclude_if, ages = limits
    fields = patient.__dict__
    if sex is not None:
        patient_sex = fields["sex"]
        if patient_sex is None:
            return _SEX_UNKNOWN % sex
        if patient_sex != sex:
            return _SEX_MISMATCH % (sex, patient_sex)
    for flag in exclude_if:
        if getattr(patient, flag, None) is True:
            return _EXCLUDED % flag
    age = fields["age"]
    if ages is not None and age is not None:
        low, high = ages
        if not low <= age <= high:
            return _AGE_OUTSIDE % (f"{age:g}", f"{low:g}", f"{high:g}")
    # an unknown age is the age feature's business: missing, refused or imputed as the card says
    return None


def not_applicable_reason(card: ModelCard, patient: PatientContext) -> str | None:
    """Why the patient is outside the model's population (then it is not scored), else ``None``."""
    limits = population_limits(card)
    return None if limits is None else outside_population(limits, patient)
