"""``cvd10``: 10-year first cardiovascular event, Framingham teaching cohort."""

from __future__ import annotations

from models.card import Threshold
from models.training import framingham
from models.training.policy_words import band_action, policy_limitation
from models.training.recipe import Dataset, Recipe

HIGH = 0.10  # the high band, China-PAR's >= 10%


def _load() -> Dataset:
    return framingham.load("CVD", "TIMECVD")


RECIPE = Recipe(
    name="cvd10",
    version="1.0.0",
    title="10-year cardiovascular disease risk (Framingham teaching cohort, logistic regression)",
    outcome="First cardiovascular event within 3652 days of examination 1 (teaching-set CVD: myocardial "
    "infarction, fatal coronary heart disease, atherothrombotic infarction, cerebral embolism, "
    "intracerebral or subarachnoid haemorrhage, or fatal cerebrovascular disease): CVD == 1 & TIMECVD <= 3652",
    population=framingham.POPULATION,
    intended_use="Teaching and demonstration second opinion beside China-PAR: a probability of a first CVD "
    "event in 10 years (not recalibrated: see the calibration statement) shown to clinic staff with its inputs, "
    "imputations and limitations.",
    not_for=(
        "diagnosis",
        "treatment decisions",
        "people with known coronary heart disease or stroke",
        "age < 32 or > 70",
    ),
    limitations=(*framingham.COMMON_LIMITATIONS, policy_limitation("cvd10", HIGH)),
    features=framingham.FEATURES,
    thresholds=(
        Threshold(
            band="medium",
            min_probability=0.05,
            action=band_action(
                "cvd10", HIGH, 0.05, "follow up locally: review risk factors", "CVD risk management"
            ),
            source="China-PAR 10-year ASCVD categories, 中国心血管病风险评估和管理指南 2019 (5-9.9% medium), by analogy",
        ),
        Threshold(
            band="high",
            min_probability=HIGH,
            action=band_action(
                "cvd10",
                HIGH,
                HIGH,
                "manage risk factors locally (statin, blood pressure, smoking)",
                "CVD risk management",
            ),
            source="China-PAR 10-year ASCVD categories, 中国心血管病风险评估和管理指南 2019 (>=10% high), by analogy",
        ),
    ),
    load=_load,
    code="models/training/cvd10.py, models/training/framingham.py, models/training/pipeline.py",
)
