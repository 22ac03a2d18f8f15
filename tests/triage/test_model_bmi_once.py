"""``ModelSet.predict`` works the BMI out once per patient (``triage.riskfeatures.body_mass_index``)
and hands it to every model that takes it, for its feature and for its explanation's note; before,
each model worked it out again for each (four times for the shipped models). The fast path is
compared with the reference path - each model's features from its per-feature getters and its note
from ``bmi_note`` alone, nothing shared - over Hypothesis patients with stated and measured sizes
(plausible and not), and ``body_mass_index`` with the plain rule it replaced."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage.models_alone import each_model_alone
from triage.patient import BMI_PLAUSIBLE, PatientContext, bmi_of
from triage.phrases import BMI_FROM_SIZE, BMI_MEASURED, BMI_SIZE_NOT_USED
from triage.riskfeatures import BmiSource, body_mass_index
from triage.riskmodels import ModelSet, load_models

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


def _reference_body_mass_index(
    fields: dict[str, Any], values: dict[str, Any]
) -> tuple[float | None, BmiSource | None]:
    """``body_mass_index`` as it was written before it skipped the measured sizes when there are none."""

    def measured(value: object) -> float | None:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    bmi, height, weight = (measured(values.get(code)) for code in ("bmi", "height", "weight"))
    if bmi is not None:
        return bmi, BMI_MEASURED
    source: BmiSource | None = None
    if height is not None or weight is not None:
        h = height if height is not None else fields["height_cm"]
        w = weight if weight is not None else fields["weight_kg"]
        if h is not None and w is not None:
            which = "_".join(n for n, v in (("weight", weight), ("height", height)) if v is not None)
            derived = bmi_of(h, w)
            if BMI_PLAUSIBLE[0] <= derived <= BMI_PLAUSIBLE[1]:
                return derived, BMI_FROM_SIZE[which]
            source = (BMI_SIZE_NOT_USED[which], h, w, derived)
    stated, h, w = fields["bmi"], fields["height_cm"], fields["weight_kg"]
    if stated is None and h is not None and w is not None:
        stated = bmi_of(h, w)
        if not BMI_PLAUSIBLE[0] <= stated <= BMI_PLAUSIBLE[1]:
            source = source or (BMI_SIZE_NOT_USED["stated"], h, w, stated)
            stated = None
    return stated, source


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def _sizes(draw: st.DrawFn) -> tuple[PatientContext, dict[str, float | str]]:
    """A patient able to be scored by every model but for the BMI, with a stated BMI or size and a
    measured bmi, height or weight (plausible, implausible together, or not a number at all)."""
    height, weight = draw(_maybe(st.floats(40, 250))), draw(_maybe(st.floats(1, 400)))
    stated_bmi = draw(_maybe(st.floats(BMI_PLAUSIBLE[0], BMI_PLAUSIBLE[1])))
    try:
        patient = PatientContext(
            age=draw(st.sampled_from([45.0, 55.0, 62.0])),
            sex=draw(st.sampled_from(["female", "male"])),
            current_smoker=draw(st.booleans()),
            diabetes=False,
            bmi=stated_bmi,
            height_cm=height,
            weight_kg=weight,
        )
    except ValueError:  # a stated size whose BMI is implausible is refused at intake
        patient = PatientContext.model_construct(
            age=55.0,
            sex="female",
            current_smoker=False,
            diabetes=False,
            bmi=stated_bmi,
            height_cm=height,
            weight_kg=weight,
        )
    values: dict[str, float | str] = {
        "sbp": 140.0,
        "dbp": 85.0,
        "total_cholesterol": 5.5,
        "glucose_random": 6.4,
        "creatinine": 90.0,
        "urine_protein": "trace",
    }
    for code, low, high in (("bmi", 8.0, 90.0), ("height", 40.0, 250.0), ("weight", 1.0, 400.0)):
        measured = draw(_maybe(st.one_of(st.floats(low, high), st.sampled_from([low, high]))))
        if measured is not None:
            values[code] = measured
    return patient, values


@SETTINGS
@given(case=_sizes())
def test_body_mass_index_is_the_plain_rule(case: tuple[PatientContext, dict[str, float | str]]) -> None:
    patient, values = case
    fields = dict(patient.__dict__)
    assert body_mass_index(fields, values) == _reference_body_mass_index(fields, values)
    # anything a caller may pass as a measured value: an int, a bool, text
    for odd in (70, True, "70", None):
        for code in ("bmi", "height", "weight"):
            other = {**values, code: odd}
            assert body_mass_index(fields, other) == _reference_body_mass_index(fields, other)


@SETTINGS
@given(case=_sizes())
def test_the_bmi_worked_out_once_gives_each_models_own_prediction(
    model_set: ModelSet, case: tuple[PatientContext, dict[str, float | str]]
) -> None:
    patient, values = case
    assert model_set.predict(patient, values) == each_model_alone(model_set, patient, values)


def test_a_measured_size_is_said_by_every_model_that_takes_the_bmi(model_set: ModelSet) -> None:
    """The shared BMI reaches both the feature and the note of each model that takes it."""
    patient = PatientContext(age=55, sex="female", current_smoker=False, diabetes=False, bmi=22.0)
    values: dict[str, float | str] = {
        "sbp": 140.0,
        "total_cholesterol": 5.5,
        "glucose_random": 6.4,
        "weight": 90.0,
        "height": 160.0,
    }
    by_model = {p.model: p for p in model_set.predict(patient, values)}
    taking = [name for name, model in model_set.models.items() if "bmi" in model.feature_names]
    assert taking and all(by_model[name].probability is not None for name in taking)
    for name in taking:
        assert (
            "bmi 35.2 from weight / height^2 (weight measured, height measured)" in by_model[name].explanation
        )
        assert "the stated bmi 22 is not used" in by_model[name].explanation
    assert by_model == {p.model: p for p in each_model_alone(model_set, patient, values)}
