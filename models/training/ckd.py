"""``ckd``: chronic kidney disease, UCI CKD (Apollo Hospitals, Karaikudi) from the ``ckd`` wheel.

Two versions: 1.1.0 (``RECIPE``, active) is fitted on the data's adults alone, the ages the engine
scores; 1.0.0 (retired, kept so that its shipped files re-train byte for byte and a probability
stored as ckd 1.0.0 still has its card) was fitted with the data's children too.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from models.card import Population, Threshold
from models.training.datasets import CKD, file_record, read_ckd
from models.training.policy_words import policy_limitation
from models.training.recipe import Dataset, FeatureRecipe, Recipe, fasting_stand_in, float32_exact
from triage.units import CREATININE_UMOLL_PER_MGDL, GLUCOSE_MGDL_PER_MMOLL

HIGH = 0.50  # the high band (project convention)
# what decides a kidney referral while the built-in policy keeps the model at local care
KIDNEY_DECIDES = (
    "the published kidney stage (KDIGO: eGFR and ACR, the engine's rules) decides a kidney referral"
)

FEATURES = (
    FeatureRecipe("age", "patient", "a", "continuous", "reject", "Age", "age (years)", 1.0),
    FeatureRecipe(
        "dbp",
        "observation",
        "mm[Hg]",
        "continuous",
        "impute_median",
        "Blood pressure (diastolic)",
        "bp (mm Hg)",
        1.0,
    ),
    FeatureRecipe(
        "urine_sg",
        "observation",
        "{SG}",
        "continuous",
        "impute_median",
        "Urine specific gravity",
        "sg",
        2.0**-10,
    ),
    FeatureRecipe(
        "urine_protein",
        "observation",
        "1",
        "ordinal",
        "reject",
        "Urine dipstick protein as an ordinal: neg 0, trace 1, 1+ 2, 2+ 3, 3+ 4, 4+ 5",
        "al (albumin grade 0-5, taken as the dipstick ordinal)",
    ),
    FeatureRecipe(
        "glucose_random",
        "observation",
        "mmol/L",
        "continuous",
        "impute_median",
        "Random blood glucose",
        f"bgr (mg/dL) / {GLUCOSE_MGDL_PER_MMOLL}",
        0.0625,
    ),
    FeatureRecipe(
        "creatinine",
        "observation",
        "umol/L",
        "continuous",
        "reject",
        "Serum creatinine",
        f"sc (mg/dL) * {CREATININE_UMOLL_PER_MGDL}",
        1.0,
    ),
    FeatureRecipe(
        "hemoglobin",
        "observation",
        "g/L",
        "continuous",
        "impute_median",
        "Haemoglobin",
        "hemo (g/dL) * 10",
        1.0,
    ),
    FeatureRecipe(
        "hypertension", "patient", "{bool}", "binary", "impute_median", "Known hypertension", "htn (yes/no)"
    ),
    FeatureRecipe(
        "diabetes", "patient", "{bool}", "binary", "impute_median", "Known diabetes", "dm (yes/no)"
    ),
)


def _yes(column: pd.Series) -> np.ndarray:
    return np.where(column.isna(), np.nan, (column == "yes").astype(float))


def _load() -> Dataset:
    raw = read_ckd()
    X = pd.DataFrame(
        {
            "age": float32_exact(raw["age"]),
            "dbp": float32_exact(raw["bp"]),
            "urine_sg": float32_exact(raw["sg"]),
            "urine_protein": float32_exact(raw["al"]),
            "glucose_random": float32_exact(raw["bgr"] / GLUCOSE_MGDL_PER_MMOLL),
            "creatinine": float32_exact(raw["sc"] * CREATININE_UMOLL_PER_MGDL),
            "hemoglobin": float32_exact(raw["hemo"] * 10.0),
            "hypertension": float32_exact(_yes(raw["htn"])),
            "diabetes": float32_exact(_yes(raw["dm"])),
        }
    )
    path, digest = file_record(CKD)
    return Dataset(
        X=X,
        y=(raw["class"] == "ckd").to_numpy(dtype=np.int64),
        package=f"{CKD[1]}=={CKD[2]}",
        files={path: digest},
        rows_in_source=len(raw),
        filter="all rows with age, sc and al recorded; outcome class == 'ckd'",
        licence_note="UCI Chronic Kidney Disease (Rubini, Soundarapandian, Eswaran; Apollo Hospitals, Karaikudi, "
        "India, 2015), CC BY 4.0; package licence MIT. Not copied into this repository.",
    )


RECIPE_1_0_0 = Recipe(
    name="ckd",
    version="1.0.0",
    title="Probability of chronic kidney disease (UCI CKD, logistic regression)",
    outcome="Chronic kidney disease as labelled in the UCI data set (class == 'ckd'); a diagnostic, not a prognostic, model",
    population=Population(
        description="400 hospital patients (ages 2-90), Apollo Hospitals, Karaikudi, India, 2015; 62% with CKD; "
        "scored for its adults, ages 19-90",
        exclude_if=("ckd",),
        ages=(19.0, 90.0),
    ),
    intended_use="Teaching and demonstration: combines dipstick protein, specific gravity, creatinine and "
    "haemoglobin into a CKD probability that prompts an eGFR (CKD-EPI 2021) and urine ACR check.",
    not_for=(
        "diagnosis or staging (use eGFR and ACR by KDIGO)",
        "acute kidney injury",
        "people with known CKD",
        "children",
    ),
    limitations=(
        "Teaching use only: a small hospital case mix with 62% CKD, nearly separable; the held-out AUROC is "
        "near 1 and says little about primary care. Not validated on a Chinese primary-care population.",
        "The UCI albumin grade (0-5) is taken to be the dipstick ordinal neg/trace/1+/2+/3+/4+ (an assumption).",
        "Why the held-out AUROC is 0.996 (leakage and spectrum bias; recomputed by tests/models/test_ckd_card.py): "
        "CKD is diagnosed from a reduced eGFR, computed from serum creatinine, or from albuminuria, so two inputs "
        "(creatinine, dipstick protein) are part of how the outcome is defined (incorporation bias); refitted alone "
        "they reach held-out AUROCs of 0.961 and 0.917. Without both, a refit on the other seven inputs still "
        "reaches 0.991 (spectrum bias): the 150 people labelled not-CKD were apparently chosen healthy on every "
        "measurement - none has known hypertension or diabetes, dipstick protein or sugar, a specific gravity "
        "below 1.020, a creatinine above 106 umol/L (1.2 mg/dL) or a haemoglobin below 130 g/L - so the model "
        "separates 'anything abnormal' from 'all normal', not CKD from other illness. The AUROC, the calibration "
        "and the operating points say nothing about patients who are ill without CKD.",
        "Over-flags known hypertension and diabetes: each adds about 2.15 to the log-odds whatever the kidney "
        "values. Age 55, creatinine 88 umol/L, dipstick protein negative, specific gravity 1.020, haemoglobin "
        "135 g/L, diastolic 80 mm Hg, random glucose 6.0 mmol/L: 0.17 (low) with neither, 0.63 (high) with known "
        "hypertension, 0.63 (high) with known diabetes, 0.94 (high) with both. In primary care, where most "
        "hypertension and diabetes comes without CKD, the high band mostly says 'hypertensive or diabetic' (for "
        "whom KDIGO advises an eGFR and ACR check anyway); the probability is not a CKD risk.",
        policy_limitation("ckd", HIGH, KIDNEY_DECIDES)
        + " Under the earlier default (a model at its threshold a routine referral) a known hypertensive or"
        " diabetic adult with normal kidney values and otherwise normal readings was referred on this model"
        " alone.",
        "Children are not scored (ages 19-90 only, the data's adults): the data's 19 children (2-17 years, 16 "
        "with CKD) are hospital cases, not a population; a child's normal haemoglobin and creatinine are lower "
        "than an adult's (a healthy 5-year-old with haemoglobin 125 g/L, creatinine 45 umol/L and a negative "
        "dipstick scored 0.21, medium); and the eGFR the model prompts (CKD-EPI 2021) is for adults.",
        "The held-out figures are those of the adults it is scored for: the held-out split's 5 children (5-17 "
        "years, 4 with CKD), whom the engine does not score, are left out of every figure on this card (95 of "
        "its 100 rows). Reviewer's decision (recomputed by tests/models/test_ckd_card.py): the figures are "
        "re-computed, the model is not re-trained. It was fitted with the training split's 12 children (3-17 "
        "years, 10 with CKD), which give it a negative age coefficient (-0.0118 per year; refitted on the same "
        "split without them, +0.0095): the over-flagging example's normal kidney values score 0.22 (medium) "
        "at age 25 and 0.12 (low) at 85, where the refit gives 0.15 and 0.23 (at 55 both 0.17-0.18). Kept "
        "because the refit discriminates no better on the same held-out adults (AUROC 0.995 against 0.996), "
        "it refers nobody on its own under the shipped policy, and an unchanged model.onnx keeps every probability "
        "stored as ckd 1.0.0 the one this card describes; a clinic that lets the model refer on its own should "
        "first have it re-trained on adults as a new version.",
        "Blood pressure in the source is a single value taken to be diastolic.",
        fasting_stand_in("a random blood glucose (bgr)"),
        "Heavy missingness in the source (e.g. haemoglobin 13%, glucose 11%): imputed with training medians.",
    ),
    features=FEATURES,
    thresholds=(
        Threshold(
            band="medium",
            min_probability=0.20,
            action="check eGFR and urine ACR",
            source="project convention (no guideline threshold exists for this model); see held-out operating point",
        ),
        Threshold(
            band="high",
            min_probability=HIGH,
            action="check eGFR and urine ACR; refer per KDIGO if confirmed",
            source="project convention: CKD more likely than not; see held-out operating point",
        ),
    ),
    load=_load,
    code="models/training/ckd.py, models/training/pipeline.py",
)

RECIPE = replace(
    RECIPE_1_0_0,
    version="1.1.0",
    # the card's title is 1.0.0's, as the staff pages' catalogues name the model (one per name); its
    # model.onnx was written with the first one (write-once), a card corrected in place
    onnx_title="Probability of chronic kidney disease (UCI CKD adults, logistic regression)",
    # the same ages (the data's adults), now trained on as scored
    population=RECIPE_1_0_0.population.model_copy(
        update={
            "description": "400 hospital patients (ages 2-90), Apollo Hospitals, Karaikudi, India, 2015; 62% with "
            "CKD; trained, held out and scored on its adults only, ages 19-90"
        }
    ),
    train_on_population=True,
    limitations=(
        "Teaching use only: a small hospital case mix (its adults: 56% with CKD) whose two outcomes the inputs "
        "separate completely; the held-out AUROC is 1.000 and says nothing about primary care. Not validated on "
        "a Chinese primary-care population.",
        "The UCI albumin grade (0-5) is taken to be the dipstick ordinal neg/trace/1+/2+/3+/4+ (an assumption).",
        "Why the held-out AUROC is 1.000 (leakage and spectrum bias, as in 1.0.0; recomputed by "
        "tests/models/test_ckd_1_1_0_card.py): CKD is diagnosed from a reduced eGFR, computed from serum "
        "creatinine, or from albuminuria, so two inputs (creatinine, dipstick protein) are part of how the outcome "
        "is defined (incorporation bias); refitted alone they reach held-out AUROCs of 0.960 and 0.926. Without "
        "both, a refit on the other seven inputs still reaches 1.000 (spectrum bias): the 137 adults labelled "
        "not-CKD it was trained and held out on were apparently chosen healthy on every measurement - none has "
        "known hypertension or diabetes, dipstick protein or sugar, a specific gravity below 1.020, a creatinine "
        "above 106 umol/L (1.2 mg/dL) or a haemoglobin below 130 g/L - so the model separates 'anything abnormal' "
        "from 'all normal', not CKD from other illness. The AUROC, the calibration and the operating points say "
        "nothing about patients who are ill without CKD.",
        "No uncertainty can be read from the held-out figures: every held-out CKD case scores above every "
        "held-out non-CKD one, so each bootstrap resample is separated too and the AUROC interval is 1.000-1.000, "
        "and the logistic recalibration has no finite slope (the calibration statement's slope is where the fit "
        "stopped). At the high band all 54 held-out cases are flagged and none of the 41 non-cases: sensitivity "
        "100% (Wilson 95% CI 93.4-100%), specificity 100% (91.4-100%), on a sample that is no primary-care one.",
        "Over-flags known hypertension and diabetes, and normal kidney values: known hypertension adds 1.53 and "
        "known diabetes 2.10 to the log-odds whatever the kidney values. Age 55, creatinine 88 umol/L, dipstick "
        "protein negative, specific gravity 1.020, haemoglobin 135 g/L, diastolic 80 mm Hg, random glucose 6.0 "
        "mmol/L: 0.26 (medium) with neither, 0.61 (high) with known hypertension, 0.74 (high) with known "
        "diabetes, 0.93 (high) with both. With neither, these normal values are medium ('check eGFR and urine "
        "ACR') at every adult age (0.24 at 25, 0.27 at 85; 1.0.0 gave 0.22, 0.17 and 0.12 at 25, 55 and 85). In "
        "primary care the medium and high bands mostly say 'an adult' and 'hypertensive or diabetic' (for whom "
        "KDIGO advises an eGFR and ACR check anyway); the probability is not a CKD risk.",
        policy_limitation("ckd", HIGH, KIDNEY_DECIDES)
        + " Reviewer's decision on referral (2026-12-06; teaching demonstration only), from this card's numbers: "
        "ckd 1.0.0's card asked for a re-training on adults before the model refers on its own; this is it, and "
        "it may still not refer. Its perfect held-out separation is leakage and spectrum bias, not skill; its "
        "calibration cannot be estimated; and at its high band it would refer a known hypertensive or diabetic "
        "adult with normal kidney values (0.61, 0.74) - so the built-in policy's [models.ckd] level stays "
        "local_care.",
        "Trained on the adults it is scored for (ages 19-90): the data's 17 children with age, creatinine and "
        "dipstick protein recorded (3-17 years, 14 with CKD) are left out before the split, so no held-out row "
        "is outside the population (1.0.0 was fitted with 12 of them, which made its age coefficient -0.0118 per "
        "year; this version's is +0.0019). The children are hospital cases, not a population; a child's normal "
        "haemoglobin and creatinine are lower than an adult's; and the eGFR the model prompts (CKD-EPI 2021) is "
        "for adults. Children are not scored.",
        "Blood pressure in the source is a single value taken to be diastolic.",
        fasting_stand_in("a random blood glucose (bgr)"),
        "Heavy missingness in the source (e.g. haemoglobin 13%, glucose 11%): imputed with training medians.",
    ),
)

#: every version with its recipe: a retired version's files re-train byte for byte, its card's figures re-run
RECIPES = {r.version: r for r in (RECIPE_1_0_0, RECIPE)}
