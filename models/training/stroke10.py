"""``stroke10``: 10-year first stroke, Framingham teaching cohort."""

from __future__ import annotations

from models.card import Threshold
from models.training import framingham
from models.training.policy_words import band_action, policy_limitation
from models.training.recipe import Dataset, Recipe

HIGH = 0.10  # the high band, China-PAR's >= 10%


def _load() -> Dataset:
    return framingham.load("STROKE", "TIMESTRK")


RECIPE = Recipe(
    name="stroke10",
    version="1.0.0",
    title="10-year stroke risk (Framingham teaching cohort, logistic regression)",
    outcome="First stroke within 3652 days of examination 1 (teaching-set STROKE: atherothrombotic "
    "infarction, cerebral embolism, intracerebral or subarachnoid haemorrhage, or fatal cerebrovascular "
    "disease): STROKE == 1 & TIMESTRK <= 3652",
    population=framingham.POPULATION,
    intended_use="Teaching and demonstration second opinion: a probability of a first stroke in 10 years, "
    "shown beside the rule-based blood-pressure and China-PAR assessment.",
    not_for=(
        "diagnosis of an acute stroke",
        "treatment decisions",
        "people with a previous stroke",
        "age < 32 or > 70",
    ),
    limitations=(
        *framingham.COMMON_LIMITATIONS,
        "Few events (about 99 in 4,215 people, ~30 in the held-out split): the AUROC interval is wide and "
        "calibration is imprecise; stroke incidence in China is higher than in this cohort.",
        policy_limitation("stroke10", HIGH),
    ),
    features=framingham.FEATURES,
    thresholds=(
        Threshold(
            band="medium",
            min_probability=0.05,
            action=band_action(
                "stroke10", HIGH, 0.05, "follow up locally: blood-pressure control", "stroke-risk management"
            ),
            source="China-PAR 10-year ASCVD categories (stroke is part of ASCVD), 2019 guideline, by analogy",
        ),
        Threshold(
            band="high",
            min_probability=HIGH,
            action=band_action(
                "stroke10",
                HIGH,
                HIGH,
                "manage risk factors locally (blood pressure, smoking, statin)",
                "stroke-risk management",
            ),
            source="China-PAR 10-year ASCVD categories (stroke is part of ASCVD), 2019 guideline, by analogy",
        ),
    ),
    load=_load,
    code="models/training/stroke10.py, models/training/framingham.py, models/training/pipeline.py",
)
