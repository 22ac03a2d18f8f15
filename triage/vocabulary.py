"""The project's observation vocabulary: each code, its LOINC mapping, canonical UCUM unit,
accepted alternative units and physiologically plausible range (in the canonical unit).

Device profiles map vendor test codes onto these code strings; ``triage.observation`` validates
against this table. Plausibility ranges reject only the impossible, never the merely abnormal:
critical values must pass through so that the rules can act on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from triage.errors import UnknownCodeError, json_text


class Kind(StrEnum):
    NUMERIC = "numeric"
    CODED = "coded"


@dataclass(frozen=True, slots=True)
class Concept:
    code: str
    display: str
    loinc: str
    kind: Kind
    unit: str  # canonical UCUM unit ("" for coded concepts)
    accepted_units: tuple[str, ...] = ()  # other UCUM units convertible to ``unit``
    low: float | None = None  # plausible range, canonical unit, inclusive
    high: float | None = None
    answers: tuple[str, ...] = ()  # allowed values for coded concepts
    # decimals a person reads of a value in the canonical unit (0.1 °C, 0.1 mmol/L glucose, 0.01
    # mmol/L cholesterol, whole mm[Hg]); display only: values are stored and scored unrounded
    decimals: int = 0


def _n(
    code: str,
    display: str,
    loinc: str,
    unit: str,
    low: float,
    high: float,
    accepted: tuple[str, ...] = (),
    *,
    decimals: int,
) -> Concept:
    return Concept(code, display, loinc, Kind.NUMERIC, unit, accepted, low, high, decimals=decimals)


def _c(code: str, display: str, loinc: str, answers: tuple[str, ...]) -> Concept:
    return Concept(code, display, loinc, Kind.CODED, "", (), None, None, answers)


_DIPSTICK = ("neg", "trace", "1+", "2+", "3+", "4+")

CONCEPTS: dict[str, Concept] = {
    c.code: c
    for c in (
        # Vital signs
        _n("resp_rate", "Respiratory rate", "9279-1", "/min", 1, 80, decimals=0),
        _n("spo2", "Oxygen saturation (pulse oximetry)", "59408-5", "%", 40, 100, decimals=0),
        _n("heart_rate", "Heart rate", "8867-4", "/min", 20, 300, decimals=0),
        _n("sbp", "Systolic blood pressure", "8480-6", "mm[Hg]", 40, 300, ("kPa",), decimals=0),
        _n("dbp", "Diastolic blood pressure", "8462-4", "mm[Hg]", 20, 200, ("kPa",), decimals=0),
        _n("temperature", "Body temperature", "8310-5", "Cel", 25, 45, ("[degF]",), decimals=1),
        _c("consciousness", "Level of consciousness (ACVPU)", "67775-7", ("A", "C", "V", "P", "U")),
        _c("supplemental_o2", "Inhaled oxygen (air or oxygen)", "3150-0", ("air", "oxygen")),
        _n("height", "Body height", "8302-2", "cm", 40, 250, ("[in_i]",), decimals=1),
        _n("weight", "Body weight", "29463-7", "kg", 1, 400, ("[lb_av]",), decimals=1),
        _n("waist", "Waist circumference", "8280-0", "cm", 30, 250, decimals=1),
        _n("bmi", "Body mass index", "39156-5", "kg/m2", 8, 90, decimals=1),
        # Chemistry
        _n("glucose_fasting", "Fasting glucose", "1558-6", "mmol/L", 0.5, 60, ("mg/dL",), decimals=1),
        _n("glucose_random", "Random glucose", "15074-8", "mmol/L", 0.5, 60, ("mg/dL",), decimals=1),
        _n("hba1c", "Haemoglobin A1c (NGSP)", "4548-4", "%", 3, 20, ("mmol/mol",), decimals=1),
        _n("total_cholesterol", "Total cholesterol", "14647-2", "mmol/L", 1, 30, ("mg/dL",), decimals=2),
        _n("hdl_cholesterol", "HDL cholesterol", "14646-4", "mmol/L", 0.1, 5, ("mg/dL",), decimals=2),
        _n("ldl_cholesterol", "LDL cholesterol", "22748-8", "mmol/L", 0.1, 20, ("mg/dL",), decimals=2),
        _n("triglycerides", "Triglycerides", "14927-8", "mmol/L", 0.1, 60, ("mg/dL",), decimals=2),
        _n("creatinine", "Creatinine", "14682-9", "umol/L", 10, 3000, ("mg/dL",), decimals=0),
        _n("urea", "Urea", "22664-7", "mmol/L", 0.5, 100, decimals=1),
        _n("egfr", "eGFR (CKD-EPI 2021)", "98979-8", "mL/min/{1.73_m2}", 1, 200, decimals=0),
        _n("potassium", "Potassium", "6298-4", "mmol/L", 1, 10, decimals=1),
        _n("sodium", "Sodium", "2947-0", "mmol/L", 90, 200, decimals=0),
        _n("crp", "C-reactive protein", "1988-5", "mg/L", 0, 500, decimals=1),
        _n("troponin_i", "Troponin I (high sensitivity)", "89579-7", "ng/L", 0, 100000, decimals=0),
        _n(
            "albumin_creatinine_ratio",
            "Urine albumin/creatinine ratio",
            "9318-7",
            "mg/g",
            0,
            10000,
            ("mg/mmol",),  # 1 mg/mmol = 8.84 mg/g (triage.units); KDIGO's pairs: triage.scores.kidney
            decimals=1,
        ),
        # Haematology
        _n("hemoglobin", "Haemoglobin", "718-7", "g/L", 20, 250, ("g/dL",), decimals=0),
        _n("wbc", "Leukocytes", "6690-2", "10*9/L", 0.1, 500, decimals=1),
        _n("platelets", "Platelets", "777-3", "10*9/L", 1, 2000, decimals=0),
        _n("hematocrit", "Haematocrit", "4544-3", "%", 5, 80, decimals=1),
        # Urine dipstick
        _c("urine_protein", "Protein, urine dipstick", "20454-5", _DIPSTICK),
        _c("urine_glucose", "Glucose, urine dipstick", "25428-4", _DIPSTICK),
        _c("urine_ketones", "Ketones, urine dipstick", "33903-6", _DIPSTICK),
        _c("urine_blood", "Blood, urine dipstick", "5794-3", _DIPSTICK),
        _c("urine_leukocytes", "Leukocyte esterase, urine dipstick", "5799-2", _DIPSTICK),
        _c("urine_nitrite", "Nitrite, urine dipstick", "5802-4", ("neg", "pos")),
        _n("urine_sg", "Specific gravity, urine", "5811-5", "{SG}", 1.000, 1.060, decimals=3),
        _n("urine_ph", "pH, urine", "5803-2", "[pH]", 4, 10, decimals=1),
    )
}


def concept(code: str) -> Concept:
    """The concept for ``code``; ``UnknownCodeError`` naming the code otherwise."""
    try:
        return CONCEPTS[code]
    except KeyError:
        raise UnknownCodeError(
            f"unknown observation code {json_text(code)}; known codes: {', '.join(sorted(CONCEPTS))}"
        ) from None
