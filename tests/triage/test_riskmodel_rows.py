"""Single rows are scored through per-thread bound buffers (onnxruntime IOBinding): every golden
row must give the public ``InferenceSession.run`` probability bit for bit, also when several
threads score at once, and the explanation must be the one the plain formula gives."""

from __future__ import annotations

import dataclasses
import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.triage.models_alone import each_model_alone
from triage.errors import ModelContractError
from triage.patient import PatientContext
from triage.phrases import AGE_OUTSIDE, DRIVERS, EXCLUDED, SCORED, SEX_MISMATCH, SEX_UNKNOWN
from triage.riskfeatures import (
    FIRST_EVENT_EXCLUDED,
    FIRST_EVENT_MODELS,
    PATIENT_FEATURES,
    PATIENT_FIELDS,
    compile_features,
    feature_row,
    not_applicable_reason,
    row_plan,
)
from triage.riskmodels import ModelSet, PreparedRow, RiskModel, RiskPrediction, load_models


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


def _golden_rows(model: RiskModel) -> list[list[float]]:
    lines = (model.path / "golden.jsonl").read_text().splitlines()
    return [[float(v) for v in json.loads(line)["inputs"]] for line in lines]


def _public(model: RiskModel, row: list[float]) -> float:
    (proba,) = model._session.run(model._outputs, {model._input: np.array([row], dtype=np.float32)})
    return float(proba[0, model._positive])


def test_every_golden_row_scores_exactly_as_the_public_run(model_set: ModelSet) -> None:
    for model in model_set.models.values():
        rows = _golden_rows(model)
        got = [model.predict_row(row).probability for row in rows]
        assert got == [_public(model, row) for row in rows], model.name
        assert len(set(got)) > 1, "rows differ, so a stale buffer would show"


def test_threads_scoring_at_once_each_get_their_own_rows_result(model_set: ModelSet) -> None:
    model = model_set.models["cvd10"]
    rows = _golden_rows(model)
    expected = [_public(model, row) for row in rows]

    def score_all(offset: int) -> list[float | None]:
        order = rows[offset:] + rows[:offset]
        got = [model.predict_row(row).probability for _ in range(20) for row in order]
        return got[-len(rows) :]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(score_all, range(0, 40, 10)))
    for offset, got in zip(range(0, 40, 10), results, strict=True):
        assert got == expected[offset:] + expected[:offset]


def _reference_drivers(model: RiskModel, row: list[float], imputed: dict[str, float]) -> str:
    """The driver list as model.md defines it, written out plainly."""
    found = []
    for spec, value in zip(model.card.features, row, strict=True):
        if spec.name in imputed:
            continue
        c = model.card.training.coefficients[spec.name] * (value - spec.median)
        if abs(c) >= 0.05:
            found.append((-abs(c), c, spec.name))
    found.sort()
    return ", ".join(f"{name} {c:+.2f}" for _, c, name in found[:3])


def test_explanation_drivers_follow_the_plain_formula(model_set: ModelSet) -> None:
    checked = 0
    for model in model_set.models.values():
        for row in _golden_rows(model)[:30]:
            features: dict[str, float | None] = dict(zip(model.feature_names, row, strict=True))
            optional = [s.name for s in model.card.features if s.missing == "impute_median"]
            if optional:
                features[optional[0]] = None
            p = model.predict(features)
            drivers = _reference_drivers(model, [features[n] or 0.0 for n in model.feature_names], p.imputed)
            if drivers:
                assert f"main drivers (log-odds vs training median): {drivers};" in p.explanation
                checked += 1
            else:
                assert "main drivers" not in p.explanation
    assert checked > 50


def test_a_whole_explanation_follows_the_plain_formula(model_set: ModelSet) -> None:
    """A scored row's whole explanation (head, drivers, label) written out plainly from the
    phrases; rows with three or more drivers and nothing imputed or out of range are built by one
    %-format, the others clause by clause, and a stand-in note always comes before the label."""
    checked = {"three": 0, "fewer": 0}
    for model in model_set.models.values():
        for row in _golden_rows(model):
            for notes in ((), ("glucose_random: fasting glucose stood in",)):
                p = model.predict_row(row, notes)
                if p.out_of_range:
                    continue
                assert p.probability is not None and not p.imputed
                drivers = _reference_drivers(model, row, {})
                shown = f"{p.probability:.1%}"
                if model.band_for(float(shown[:-1]) / 100) != p.band:  # cut, not past a cut-point (e7c87d8)
                    shown = f"{math.floor(p.probability * 100 * 10) / 10:.1f}%"
                expected = SCORED.format(
                    model=model.name,
                    version=model.version,
                    probability=shown,
                    band=p.band,
                    medium=f"{model.medium_threshold:.0%}",
                    high=f"{model.threshold:.0%}",
                )
                if drivers:
                    expected += "; " + DRIVERS.format(drivers=drivers)
                expected += "".join("; " + note for note in notes) + f"; {model.card.label}."
                assert p.explanation == expected, (model.name, row)
                checked["three" if drivers.count(",") == 2 and not notes else "fewer"] += 1
    assert checked["three"] > 50 and checked["fewer"] > 50, checked


def test_scored_predictions_equal_the_constructor_built_twin(model_set: ModelSet) -> None:
    """``RiskPrediction.scored`` skips the frozen dataclass's ``__init__``: same fields, same types."""
    compared = 0
    for model in model_set.models.values():
        for row in _golden_rows(model)[:20]:
            p = model.predict_row(row)
            twin = RiskPrediction(
                p.model,
                p.version,
                p.probability,
                p.threshold,
                p.band,
                (),
                dict(p.imputed),
                p.explanation,
                tuple(p.out_of_range),
            )
            assert p == twin
            assert vars(p) == vars(twin)
            assert [type(v) for v in vars(p).values()] == [type(v) for v in vars(twin).values()]
            assert list(vars(p)) == [f.name for f in dataclasses.fields(RiskPrediction)]
            compared += 1
    assert compared == 80


PATIENTS = [
    PatientContext(
        age=58, sex="male", current_smoker=False, diabetes=False, on_antihypertensives=True, bmi=26.5
    ),
    PatientContext(age=61, sex="female", current_smoker=True, hypertension=True, bmi=31.0, waist_cm=95),
    PatientContext(age=47, sex="female", diabetes=True),
    PatientContext(sex="male"),
    PatientContext(age=90, sex="female", bmi=19.0, current_smoker=False, hypertension=False, ckd=True),
]
VALUES: list[dict[str, float | str]] = [
    {"sbp": 148.0, "dbp": 88.0, "total_cholesterol": 5.6, "heart_rate": 72.0, "glucose_random": 6.1},
    {"sbp": 262.0, "dbp": 130.0, "glucose_fasting": 8.5, "urine_protein": "2+", "creatinine": 95.0},
    {"urine_sg": 1.015, "urine_protein": "trace", "hemoglobin": 141.0, "glucose_random": 11.0},
    {},
]


def test_set_prediction_equals_each_model_scored_on_its_own(model_set: ModelSet) -> None:
    """``ModelSet.predict`` prepares every row first and runs onnxruntime back to back; the result
    must be what scoring each model alone (features, stand-ins, ``predict``) gives."""
    for patient in PATIENTS:
        for values in VALUES:
            got = model_set.predict(patient, values)
            expected = each_model_alone(model_set, patient, values)
            assert got == expected, (patient, values)


def test_a_row_of_the_wrong_width_is_refused_with_the_card_features(model_set: ModelSet) -> None:
    model = model_set.models["diabetes"]
    with pytest.raises(
        ModelContractError, match=r"diabetes 1\.0\.0: 3 feature values given, the card has 4 \(age"
    ):
        model.predict_row([50.0, 27.0, 6.0])


def _reference_prepare(model: RiskModel, values: list[float | None]) -> PreparedRow | tuple[str, ...]:
    """The preparation rules written out plainly, feature by feature (docs/models.md)."""
    row: list[float] = []
    missing, imputed, out_of_range, drivers = [], {}, [], []
    for spec, value in zip(model.card.features, values, strict=True):
        if value is None or math.isnan(value):
            if spec.missing == "reject":
                missing.append(spec.name)
                continue
            value = imputed[spec.name] = spec.median
        else:
            if not spec.range[0] <= value <= spec.range[1]:
                out_of_range.append(spec.name)
            c = model.card.training.coefficients[spec.name] * (value - spec.median)
            if abs(c) >= 0.05:
                drivers.append((-abs(c), c, spec.name))
        row.append(value)
    return tuple(missing) if missing else PreparedRow(row, imputed, out_of_range, drivers)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_prepared_rows_follow_the_plain_rules(model_set: ModelSet, data: st.DataObject) -> None:
    """Rows with every input known and in range take a shortcut; all rows must come out as the
    plain feature-by-feature rules say (row, imputed, out of range, drivers, or refused)."""
    model = model_set.models[data.draw(st.sampled_from(sorted(model_set.models)))]
    values: list[float | None] = []
    for spec in model.card.features:
        low, high = spec.range
        values.append(
            data.draw(
                st.one_of(
                    st.floats(low, high),
                    st.floats(low, high),
                    st.floats(low, high),
                    st.floats(low - 100, high + 100),
                    st.just(spec.median),
                    st.none(),
                    st.just(math.nan),
                )
            )
        )
    got = model.prepare(values)
    expected = _reference_prepare(model, values)
    if isinstance(expected, PreparedRow):
        assert isinstance(got, PreparedRow) and got == expected
    else:
        assert isinstance(got, RiskPrediction) and got.missing == expected


def test_feature_rows_equal_the_per_feature_getters(model_set: ModelSet) -> None:
    """``feature_row`` reads plain patient fields and numeric observations in one loop: every
    feature must come out as its getter gives it (value and type), also when a patient field is
    unknown and a measured observation of that name stands in."""
    patients = [*PATIENTS, PatientContext(age=40, sex="male", height_cm=170, weight_kg=80, ckd=False)]
    values_list: list[dict[str, float | str]] = [
        *VALUES,
        {"bmi": 31.0, "waist_cm": 90.0, "sbp": 120.0, "urine_protein": "neg", "urine_sg": 1.02},
    ]
    compared = 0
    for model in model_set.models.values():
        plan = row_plan(model.card)
        getters = compile_features(model.card)
        for patient in patients:
            for values in values_list:
                got = feature_row(plan, patient, values)
                expected = [get(patient, values) for _, get in getters]
                assert got == expected, (model.name, patient, values)
                assert [type(v) for v in got] == [type(v) for v in expected]
                compared += 1
    assert compared == 4 * 6 * 5


def test_plain_patient_fields_are_the_patient_features_they_stand_for() -> None:
    for name, field in PATIENT_FIELDS.items():
        for value in (None, True, False, 0.0, 61.0):
            patient = PatientContext.model_construct(**{field: value})
            expected = PATIENT_FEATURES[name](patient)
            assert (None if value is None else float(value)) == expected, name


@pytest.mark.parametrize(
    ("age", "scored"),
    [(31, False), (31.9, False), (32, True), (51, True), (70, True), (70.1, False), (82, False)],
)
def test_the_framingham_models_are_not_scored_outside_their_population_ages(
    model_set: ModelSet, age: float, scored: bool
) -> None:
    """The cvd10 and stroke10 cards say 'not for: age < 32 or > 70' (the cohort's ages); an
    82-year-old was scored on an extrapolation and could be referred on it alone."""
    patient = PatientContext(
        age=age, sex="male", diabetes=False, current_smoker=True, on_antihypertensives=False, bmi=27.0
    )
    values: dict[str, float | str] = {"sbp": 150.0, "dbp": 90.0, "total_cholesterol": 6.0, "heart_rate": 72.0}
    by_name = {p.model: p for p in model_set.predict(patient, values)}
    for name in ("cvd10", "stroke10"):
        assert model_set.models[name].card.population.ages == (32.0, 70.0)
        prediction = by_name[name]
        assert (prediction.probability is not None) is scored, prediction.explanation
        if not scored:
            assert prediction.band == "not_scored"
            assert f"outside the model population: age {age:g} years (the model is for ages 32-70)" in (
                prediction.explanation
            )
            assert not_applicable_reason(model_set.models[name].card, patient) is not None


def test_a_card_without_an_age_bound_is_written_as_before() -> None:
    """Cards of models without one (diabetes, ckd) keep their bytes: no "ages": null."""
    from models.card import Population

    assert "ages" not in Population(description="d").model_dump(mode="json")
    assert Population(description="d", ages=(32, 70)).model_dump(mode="json")["ages"] == [32.0, 70.0]
    with pytest.raises(ValueError, match="70-32 is not a range of ages"):
        Population(description="d", ages=(70, 32))


def test_a_card_of_another_model_is_refused_naming_the_file(tmp_path) -> None:
    """'card.json describes stroke10 1.0.0' did not say which card.json, among four versions."""
    import models as shipped
    from triage.riskmodels import read_card

    folder = tmp_path / "cvd10" / "1.0.0"
    folder.mkdir(parents=True)
    card = json.loads((Path(shipped.__file__).parent / "stroke10" / "1.0.0" / "card.json").read_text("utf-8"))
    (folder / "card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelContractError) as info:
        read_card(folder, "cvd10", "1.0.0")
    assert str(info.value) == (
        f"model cvd10 1.0.0 refused (card identity): {folder / 'card.json'} describes stroke10 1.0.0"
    )


def _reference_not_applicable(model: RiskModel, patient: PatientContext) -> str | None:
    """The population check written out plainly from the card and the patient's attributes."""
    population = model.card.population
    if population.sex is not None and patient.sex is None:
        return SEX_UNKNOWN.format(sex=population.sex)
    if population.sex is not None and patient.sex != population.sex:
        return SEX_MISMATCH.format(sex=population.sex, patient_sex=patient.sex)
    # the models of a first cardiovascular event also leave out established ASCVD and pregnancy
    # (triage.riskfeatures.FIRST_EVENT_MODELS), whatever their card's flags say
    first_event = FIRST_EVENT_EXCLUDED if model.card.name in FIRST_EVENT_MODELS else ()
    for flag in (*population.exclude_if, *first_event):
        if getattr(patient, flag, None) is True:
            return EXCLUDED.format(flag=flag)
    if population.ages is not None and patient.age is not None:
        low, high = population.ages
        if not low <= patient.age <= high:
            return AGE_OUTSIDE.format(age=f"{patient.age:g}", low=f"{low:g}", high=f"{high:g}")
    return None


@settings(max_examples=300, deadline=None)
@given(
    age=st.one_of(st.none(), st.sampled_from([5, 20, 21, 31, 32, 45, 70, 70.5, 71, 81, 82, 95])),
    sex=st.sampled_from([None, "female", "male"]),
    flags=st.tuples(*[st.sampled_from([None, False, True])] * 3),
)
def test_the_population_read_once_per_model_screens_as_the_card_says(
    model_set: ModelSet, age: float | None, sex: str | None, flags: tuple[bool | None, ...]
) -> None:
    """``ModelSet`` reads each card's population limits once (``population_limits``); every
    patient is screened out by the same model, in the same words, as the card read afresh says."""
    diabetes, pregnant, ckd = flags
    patient = PatientContext(
        age=age, sex=sex, diabetes=diabetes, ckd=ckd, pregnant=None if sex == "male" else pregnant
    )
    by_name = {p.model: p for p in model_set.predict(patient, {"sbp": 150.0, "glucose_random": 6.0})}
    for name, model in model_set.models.items():
        expected = _reference_not_applicable(model, patient)
        assert not_applicable_reason(model.card, patient) == expected, (name, patient)
        if expected is not None:
            assert by_name[name] == model.not_scored(expected)
        else:
            assert by_name[name].band != "not_scored" or by_name[name].missing, (name, by_name[name])
