"""Missing, imputed, out-of-range and not-applicable inputs: defined, recorded, never silent zeros."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import models
from triage.errors import UserInputError
from triage.patient import PatientContext
from triage.riskfeatures import DIPSTICK_ORDINAL, build_features, observation_value
from triage.riskmodels import ModelSet, RiskModel, load_models


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


FULL_PATIENT = PatientContext(
    age=58,
    sex="male",
    current_smoker=False,
    diabetes=False,
    on_antihypertensives=True,
    bmi=26.5,
    hypertension=True,
)
FULL_VALUES: dict[str, float | str] = {
    "sbp": 148.0,
    "dbp": 88.0,
    "total_cholesterol": 5.6,
    "heart_rate": 72.0,
    "glucose_random": 6.1,
    "urine_sg": 1.015,
    "urine_protein": "trace",
    "creatinine": 95.0,
    "hemoglobin": 141.0,
}


def _by_model(model_set: ModelSet, patient: PatientContext, values: dict[str, float | str]) -> dict:
    return {p.model: p for p in model_set.predict(patient, values)}


def test_complete_inputs_are_scored_without_imputation(model_set: ModelSet) -> None:
    out = _by_model(model_set, FULL_PATIENT, FULL_VALUES)
    for name in ("cvd10", "stroke10", "ckd"):
        p = out[name]
        assert p.probability is not None and 0 < p.probability < 1
        assert p.band in ("low", "medium", "high")
        assert p.imputed == {} and p.missing == () and p.out_of_range == ()
        assert "not for clinical use" in p.explanation
        assert "main drivers" in p.explanation


def test_missing_required_input_is_not_scored_and_named(model_set: ModelSet) -> None:
    values = {k: v for k, v in FULL_VALUES.items() if k != "sbp"}
    patient = FULL_PATIENT.model_copy(update={"current_smoker": None})
    p = _by_model(model_set, patient, values)["cvd10"]
    assert p.band == "not_scored" and p.probability is None
    assert p.missing == ("sbp", "current_smoker")
    assert "required inputs missing: sbp, current_smoker" in p.explanation


def test_missing_optional_input_uses_the_recorded_training_median(model_set: ModelSet) -> None:
    model = model_set.models["cvd10"]
    values = {k: v for k, v in FULL_VALUES.items() if k not in ("heart_rate", "glucose_random")}
    p = _by_model(model_set, FULL_PATIENT, values)["cvd10"]
    medians = {f.name: f.median for f in model.card.features}
    assert p.imputed == {"heart_rate": medians["heart_rate"], "glucose_random": medians["glucose_random"]}
    assert medians["heart_rate"] != 0.0  # imputation is the median, never a silent zero
    assert "imputed with the training median: heart_rate=75" in p.explanation
    # the score equals scoring with the medians written in explicitly
    explicit = model.predict({**build_features(model.card, FULL_PATIENT, FULL_VALUES), **p.imputed})
    assert p.probability == explicit.probability


def test_values_outside_the_training_range_are_flagged(model_set: ModelSet) -> None:
    # the age is inside the population (32-70, else not scored); sbp and cholesterol are not
    p = _by_model(model_set, FULL_PATIENT, {**FULL_VALUES, "sbp": 262.0, "total_cholesterol": 19.0})["cvd10"]
    assert p.probability is not None
    assert p.out_of_range == ("sbp", "total_cholesterol")
    assert (
        "outside the training range: sbp=262 mmHg (trained on 83.5-244 mmHg), total_cholesterol=19 mmol/L (trained on"
        in (p.explanation)
    )


def test_population_rules_keep_patients_outside_the_training_population_unscored(model_set: ModelSet) -> None:
    out = _by_model(model_set, FULL_PATIENT, FULL_VALUES)
    assert out["diabetes"].band == "not_scored"
    assert "trained on female patients only; this patient is male" in out["diabetes"].explanation
    woman = FULL_PATIENT.model_copy(update={"sex": "female"})
    assert _by_model(model_set, woman, FULL_VALUES)["diabetes"].probability is not None
    known = woman.model_copy(update={"diabetes": True})
    assert "patient.diabetes is true" in _by_model(model_set, known, FULL_VALUES)["diabetes"].explanation
    known_ckd = FULL_PATIENT.model_copy(update={"ckd": True})
    assert _by_model(model_set, known_ckd, FULL_VALUES)["ckd"].band == "not_scored"


def test_unknown_sex_is_missing_not_female(model_set: ModelSet) -> None:
    patient = FULL_PATIENT.model_copy(update={"sex": None})
    out = _by_model(model_set, patient, FULL_VALUES)
    assert out["cvd10"].missing == ("sex_male",)
    assert "sex unknown" in out["diabetes"].explanation


def test_bands_follow_the_card_thresholds(model_set: ModelSet) -> None:
    model = model_set.models["cvd10"]
    assert model.threshold == 0.10
    assert [model.band_for(x) for x in (0.01, 0.05, 0.0999, 0.10, 0.9)] == [
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]


def test_dipstick_grades_map_to_the_training_ordinal() -> None:
    assert [observation_value("urine_protein", g) for g in ("neg", "trace", "1+", "4+")] == [
        0.0,
        1.0,
        2.0,
        5.0,
    ]
    assert list(DIPSTICK_ORDINAL) == ["neg", "trace", "1+", "2+", "3+", "4+"]


@pytest.mark.parametrize(
    ("code", "raw", "message"),
    [
        ("urine_protein", "5+", "not a dipstick grade"),
        ("urine_protein", 2.0, "not a dipstick grade"),
        ("sbp", "high", "expected a number"),
        ("sbp", float("nan"), "not a finite number"),
        ("sbp", True, "expected a number"),
    ],
)
def test_bad_observation_values_are_user_errors(code: str, raw: float | str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        observation_value(code, raw)


def test_bmi_comes_from_height_and_weight_or_a_measured_observation(model_set: ModelSet) -> None:
    card = model_set.models["diabetes"].card
    no_bmi = PatientContext(age=40, sex="female", height_cm=160, weight_kg=64)
    assert build_features(card, no_bmi, {"glucose_random": 6.0})["bmi"] == pytest.approx(25.0)
    measured = PatientContext(age=40, sex="female")
    assert build_features(card, measured, {"bmi": 31.0})["bmi"] == 31.0
    assert build_features(card, measured, {})["bmi"] is None


@pytest.fixture(scope="module")
def cvd10(model_set: ModelSet) -> RiskModel:
    return model_set.models["cvd10"]


@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "age",
                "sex_male",
                "sbp",
                "dbp",
                "total_cholesterol",
                "bmi",
                "heart_rate",
                "glucose_random",
                "current_smoker",
                "diabetes",
                "on_antihypertensives",
            ]
        ),
        st.one_of(st.none(), st.floats(min_value=-1e4, max_value=1e4, width=32), st.just(float("nan"))),
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_feature_combination_is_scored_or_refused_with_reasons(cvd10: RiskModel, data: dict) -> None:
    p = cvd10.predict(data)
    required = [f.name for f in cvd10.card.features if f.missing == "reject"]
    unknown = [n for n in required if data.get(n) is None or data[n] != data[n]]
    if unknown:
        assert p.band == "not_scored" and p.probability is None and list(p.missing) == unknown
    else:
        assert p.probability is not None and 0.0 <= p.probability <= 1.0
        assert p.band in ("low", "medium", "high")
        assert set(p.imputed) == {
            f.name
            for f in cvd10.card.features
            if f.missing == "impute_median" and (data.get(f.name) is None or data[f.name] != data[f.name])
        }
        assert all(name in p.explanation for name in p.imputed)
        assert all(name in p.explanation for name in p.out_of_range)


def test_a_fasting_glucose_stands_in_for_a_missing_random_glucose_and_says_so(model_set: ModelSet) -> None:
    values = {k: v for k, v in FULL_VALUES.items() if k != "glucose_random"}
    out = _by_model(model_set, FULL_PATIENT, {**values, "glucose_fasting": 8.5})
    p = out["cvd10"]
    assert "glucose_random" not in p.imputed
    assert (
        "glucose_random taken from glucose_fasting (8.5 mmol/L; no glucose_random recorded)" in p.explanation
    )
    direct = _by_model(model_set, FULL_PATIENT, {**values, "glucose_random": 8.5})["cvd10"]
    assert p.probability == direct.probability
    # a recorded random glucose is always preferred
    both = _by_model(model_set, FULL_PATIENT, {**FULL_VALUES, "glucose_fasting": 8.5})["cvd10"]
    assert "taken from" not in both.explanation


def test_the_docs_missing_input_example_names_cvd10s_reject_features() -> None:
    """docs/models.md gave `sex` as a missing input of cvd10; `missing` names the card's features
    (`sex_male`), which is what `triage assess` prints: 'not scored (missing sex_male)'."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "models.md").read_text(encoding="utf-8")
    row = next(line for line in doc.splitlines() if line.startswith("| a `reject` feature unknown"))
    example = re.search(r"\(e\.g\. (.+?) for `cvd10`\)", row)
    assert example is not None
    named = re.findall(r"`([a-z_0-9]+)`", example[1])
    card = json.loads((models.MODELS_DIR / "cvd10" / "1.0.0" / "card.json").read_text(encoding="utf-8"))
    reject = {f["name"] for f in card["features"] if f["missing"] == "reject"}
    assert named and set(named) <= reject, (named, sorted(reject))


@pytest.mark.parametrize(
    ("age", "scored"),
    [(12, False), (20.9, False), (21, True), (45, True), (81, True), (81.1, False), (90, False)],
)
def test_diabetes_is_not_scored_outside_its_population_ages(
    model_set: ModelSet, age: float, scored: bool
) -> None:
    """The diabetes card's population is 'Women of Pima Indian heritage aged 21 or over' (the data
    has ages 21-81), yet a 12-year-old girl was scored (0.21, medium, with random glucose 9) and a
    90-year-old woman was 0.86, high - a routine referral on an extrapolation flagged only as out
    of range. As cvd10/stroke10 (0c153fd), the card's population carries the ages."""
    patient = PatientContext(age=age, sex="female", diabetes=False, pregnant=False, bmi=22.0)
    p = _by_model(model_set, patient, {"glucose_random": 9.0, "dbp": 70.0})["diabetes"]
    assert model_set.models["diabetes"].card.population.ages == (21.0, 81.0)
    assert (p.probability is not None) is scored, p.explanation
    if not scored:
        assert p.band == "not_scored"
        assert (
            f"outside the model population: age {age:g} years (the model is for ages 21-81)" in p.explanation
        )
