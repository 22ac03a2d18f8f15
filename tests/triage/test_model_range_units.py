"""A model input outside its training range is shown with its unit, as a clinician reads it: the
explanation said "sbp=300 (trained on 83.5-244)" - 300 what? Now "sbp=300 mmHg (trained on
83.5-244 mmHg)", the unit from the card's UCUM code (``a`` years, ``mm[Hg]`` mmHg, ``kg/m2``,
``mmol/L``, ``umol/L`` µmol/L ...); a flag, a dipstick grade and specific gravity have none. The
staff pages show it in the page's language (zh: 岁, 次/分, kg/m²)."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.phrases import RANGE_ITEM, RANGE_ITEM_UNIT, clauses
from triage.policy import load_policy
from triage.riskmodels import ModelSet, load_models
from triage.service.pages.engine_text import EngineText

# the units the shipped cards use, as a clinician reads them (MODEL_UNITS must say so)
READABLE = dict(
    pair.split("=", 1)
    for pair in [
        "a=years",
        "mm[Hg]=mmHg",
        "mmol/L=mmol/L",
        "umol/L=µmol/L",
        "g/L=g/L",
        "kg/m2=kg/m2",
        "/min=/min",
    ]
)
NO_UNIT = {"{bool}", "1", "{SG}"}


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


def _ranges(explanation: str) -> list[str]:
    found = [c for c in clauses(explanation[:-1]) if c.startswith("outside the training range: ")]
    return found[0].removeprefix("outside the training range: ").split(", ") if found else []


def test_every_input_past_its_training_range_is_shown_with_its_unit(models: ModelSet) -> None:
    seen: set[str] = set()
    for name, model in models.models.items():
        card = model.card
        for feature in card.features:
            assert feature.unit in READABLE or feature.unit in NO_UNIT, (name, feature.name, feature.unit)
            values: dict[str, float | None] = {f.name: f.median for f in card.features}
            low, high = feature.range
            if feature.unit == "{bool}" or high - low < 1:
                continue  # a flag cannot be past 0-1; specific gravity: below
            values[feature.name] = high + 1
            result = model.predict(values)
            (item,) = _ranges(result.explanation)
            if feature.unit in READABLE:
                found = RANGE_ITEM_UNIT.match(item)
                assert found is not None and found["unit"] == READABLE[feature.unit], (name, item)
            else:
                assert RANGE_ITEM.match(item) is not None and RANGE_ITEM_UNIT.match(item) is None, item
            seen.add(feature.unit)
    assert seen >= {*READABLE, "1"}, seen


def test_the_reviewers_case_and_its_chinese_page(models: ModelSet) -> None:
    patient = PatientContext(
        age=60, sex="male", current_smoker=False, diabetes=False, on_antihypertensives=True, bmi=60.0
    )
    readings = [ob("sbp", 300), ob("dbp", 100), ob("total_cholesterol", 5.0), ob("heart_rate", 70)]
    a = assess(patient, readings, load_policy(), models=models, now=NOW)
    cvd10 = next(m for m in a.models if m.model == "cvd10")
    items = _ranges(cvd10.explanation)
    assert items[0] == "sbp=300 mmHg (trained on 83.5-244 mmHg)", items
    assert items[1].startswith("bmi=60 kg/m2 (trained on ") and items[1].endswith(" kg/m2)"), items
    chinese = EngineText("zh").explanation(cvd10.explanation)
    assert "收缩压=300 mmHg（训练范围 83.5-244 mmHg）、体重指数=60 kg/m²（训练范围 " in chinese, chinese
    english = EngineText("en").explanation(cvd10.explanation)
    assert "systolic BP=300 mmHg (trained on 83.5-244 mmHg), BMI=60 kg/m2 (trained on " in english, english


def test_an_imputed_input_is_shown_with_its_unit(models: ModelSet) -> None:
    """The imputed inputs read 'dbp=82, bmi=25.36, heart_rate=75, glucose_random=4.274' - the
    training medians without a unit; now with it, as an input outside its range, a flag without."""
    man = PatientContext(age=60, sex="male", current_smoker=False, diabetes=False)
    a = assess(man, [ob("sbp", 150), ob("total_cholesterol", 5.0)], load_policy(), models=models, now=NOW)
    cvd10 = next(m for m in a.models if m.model == "cvd10")
    assert (
        "; missing, imputed with the training median: dbp=82 mmHg, bmi=25.36 kg/m2, heart_rate=75 /min,"
        " glucose_random=4.274 mmol/L, on_antihypertensives=0;" in cvd10.explanation
    ), cvd10.explanation
    chinese = EngineText("zh").explanation(cvd10.explanation)
    assert (
        "以训练集中位数填补：舒张压=82 mmHg、体重指数=25.36 kg/m²、心率=75 次/分、随机血糖=4.274 mmol/L、正在服用降压药=0；"
        in chinese
    ), chinese
