"""Chinese Diabetes Risk Score (Zhou X, Qiao Q, Ji L, et al. Diabetes Care 2013;36:3944-3952;
adopted by the Chinese Diabetes Society guideline 2020/2024). Range 0-51; >=25 -> OGTT screening.

The range 0-51, the six items (age, sex, waist, BMI, SBP, family history of diabetes) and the
cut-off 25 are confirmed from the paper's abstract. The item points below are risk.md's
transcription of the CDS guideline table, which could not be confirmed against the primary text
here (marked **check** in risk.md); they do sum to the published maximum of 51:

- age 20-24: 0; 25-34: 4; 35-39: 8; 40-44: 11; 45-49: 12; 50-54: 13; 55-59: 15; 60-64: 16;
  65-74: 18 (completed years; derived in ages 20-74, not applicable outside);
- BMI <22: 0; 22-23.9: 1; 24-29.9: 3; >=30: 5;
- waist men <75, 75-79.9, 80-84.9, 85-89.9, 90-94.9, >=95 and women <70, 70-74.9, 75-79.9,
  80-84.9, 85-89.9, >=90: 0, 3, 5, 7, 8, 10;
- SBP <110: 0; 110-119: 1; 120-129: 3; 130-139: 6; 140-149: 7; 150-159: 8; >=160: 10;
- family history of diabetes in a parent, sibling or child: 6;
- male sex: 2.

Missing items add no points (the total is a lower bound; ``complete`` false).
"""

from __future__ import annotations

import math
from bisect import bisect_right

from triage import phrases
from triage.scores.result import ScoreResult, among, incomplete, not_applicable

REFERENCE = "Zhou X et al. Diabetes Care 2013;36:3944-3952; 中国2型糖尿病防治指南 2020 (CDS)"
OGTT_THRESHOLD = 25
AGE_RANGE = (20, 74)
_OUTSIDE_AGES = phrases.OUTSIDE_AGES.printf({"age": "%g"}, low=AGE_RANGE[0], high=AGE_RANGE[1])
_HIGH = phrases.CDRS_HIGH.printf({"total": "%s%s"})
_LOW = phrases.CDRS_LOW.printf({"total": "%s%s"})

_AGE = ((25, 0), (35, 4), (40, 8), (45, 11), (50, 12), (55, 13), (60, 15), (65, 16), (75, 18))
_WAIST_POINTS = (0, 3, 5, 7, 8, 10)
_SBP = ((110, 0), (120, 1), (130, 3), (140, 6), (150, 7), (160, 8))
# the same tables split for bisect: the first band whose (exclusive) upper limit is above the value
_AGE_UPPER, _AGE_POINTS = zip(*_AGE, strict=True)
_SBP_UPPER, _SBP_POINTS = zip(*_SBP, strict=True)
# waist band edges (inclusive lower limits): 75, 80, ... 95 cm for men, 70 ... 90 cm for women
_WAIST_EDGES = {"male": tuple(75 + 5 * i for i in range(5)), "female": tuple(70 + 5 * i for i in range(5))}


def age_points(age: float) -> int:
    years = math.floor(age)
    band = bisect_right(_AGE_UPPER, years)  # the first band with years < its upper limit
    if band == len(_AGE_POINTS):
        raise ValueError(f"age {age} is outside 20-74")
    return _AGE_POINTS[band]


def bmi_points(bmi: float) -> int:
    if bmi < 22:
        return 0
    if bmi < 24:
        return 1
    if bmi < 30:
        return 3
    return 5


def waist_points(waist_cm: float, sex: str) -> int:
    edges = _WAIST_EDGES["male" if sex == "male" else "female"]
    return _WAIST_POINTS[bisect_right(edges, waist_cm)]  # the number of edges at or below the waist


def sbp_points(sbp: float) -> int:
    band = bisect_right(_SBP_UPPER, sbp)  # the first band with sbp < its upper limit
    return _SBP_POINTS[band] if band < len(_SBP_POINTS) else 10


def cdrs(
    *,
    age: float | None,
    sex: str | None,
    bmi: float | None,
    waist_cm: float | None,
    sbp: float | None,
    family_history_diabetes: str | None,
    censored: tuple[str, ...] = (),
) -> ScoreResult:
    if age is not None and not AGE_RANGE[0] <= math.floor(age) <= AGE_RANGE[1]:
        return not_applicable(
            "cdrs",
            _OUTSIDE_AGES % age,
            reference=REFERENCE,
            unit="points",
        )
    components: dict[str, int | None] = {
        "age": None if age is None else age_points(age),
        "sex": None if sex is None else (2 if sex == "male" else 0),
        "bmi": None if bmi is None else bmi_points(bmi),
        "waist": None if waist_cm is None or sex is None else waist_points(waist_cm, sex),
        "sbp": None if sbp is None else sbp_points(sbp),
        "family_history_diabetes": None
        if family_history_diabetes is None
        else (6 if family_history_diabetes == "first_degree" else 0),
    }
    missing = [k for k, v in components.items() if v is None]
    total = sum([v for v in components.values() if v is not None])
    band = "high" if total >= OGTT_THRESHOLD else "low"
    detail = (_HIGH if band == "high" else _LOW) % ((">=" if missing else ""), total)
    if missing:
        detail += incomplete(missing)
    return ScoreResult.of(
        name="cdrs",
        value=float(total),
        band=band,
        complete=not missing,
        components=components,
        missing=tuple(missing),
        censored=among(censored, ("sbp", "waist", "bmi")),
        detail=detail,
        reference=REFERENCE,
    )
