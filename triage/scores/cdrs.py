"""Chinese Diabetes Risk Score (Zhou X, Qiao Q, Ji L, et al. Diabetes Care 2013;36:3944-3952;
adopted by the Chinese Diabetes Society guideline 2020/2024). Range 0-51; >=25 -> OGTT screening.

The range 0-51, the six items (age, sex, waist, BMI, SBP, family history of diabetes) and the
cut-off 25 are confirmed from the paper's abstract (Diabetes Care 2013;36:3944, as reprinted at
yyws.alljournals.cn and nmqf.org). The item points below are risk.md's transcription of the CDS
guideline table (中国糖尿病风险评分表; marked **check** in risk.md). Cross-checked (2026-12-06)
against one independent public implementation of that table, a health app's 糖尿病风险预测 page
(Vue; found in the public code index by the exact string 中国糖尿病风险评分表, its repository not
named by the index): every item's bands and points agree, edge for edge, and the 20-74 age limit
too. The guideline's own printed table (中华糖尿病杂志 2021;13:315) could not be opened here, so
the points are consistent with a second source, not confirmed against the primary text. They sum
to the published maximum of 51:

- age 20-24: 0; 25-34: 4; 35-39: 8; 40-44: 11; 45-49: 12; 50-54: 13; 55-59: 15; 60-64: 16;
  65-74: 18 (completed years; derived in ages 20-74, not applicable outside);
- BMI <22: 0; 22-23.9: 1; 24-29.9: 3; >=30: 5;
- waist men <75, 75-79.9, 80-84.9, 85-89.9, 90-94.9, >=95 and women <70, 70-74.9, 75-79.9,
  80-84.9, 85-89.9, >=90: 0, 3, 5, 7, 8, 10;
- SBP <110: 0; 110-119: 1; 120-129: 3; 130-139: 6; 140-149: 7; 150-159: 8; >=160: 10;
- family history of diabetes in a parent, sibling or child: 6;
- male sex: 2.

Bands are printed to the precision of the table (BMI and waist to 0.1, SBP to 1): a value between
two printed bands (BMI 23.95, waist 79.95 cm, SBP 119.5) is in the *higher-risk* one, as in
NEWS2 and FINDRISC; a lowest band printed as "<x" holds every value below x.

Missing items add no points (the total is a lower bound; ``complete`` false); below 25 with
missing items whose maximum points (``MAXIMUM``: the top band of each item) could reach 25, the
band is ``incomplete``, not ``low``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from triage import phrases
from triage.scores.result import (
    UNDETERMINED_SPECS,
    ScoreResult,
    among,
    could_reach,
    incomplete,
    not_applicable,
    score_result,
    undetermined,
    years,
)

REFERENCE = "Zhou X et al. Diabetes Care 2013;36:3944-3952; 中国2型糖尿病防治指南 2020 (CDS)"
OGTT_THRESHOLD = 25
AGE_RANGE = (20, 74)
_OUTSIDE_AGES = phrases.OUTSIDE_AGES.printf({"age": "%d"}, low=AGE_RANGE[0], high=AGE_RANGE[1])
_HIGH = phrases.CDRS_HIGH.printf({"total": "%s%s"})
_LOW = phrases.CDRS_LOW.printf({"total": "%s%s"})
_UNDETERMINED = phrases.CDRS_UNDETERMINED.printf(UNDETERMINED_SPECS)

_AGE = ((25, 0), (35, 4), (40, 8), (45, 11), (50, 12), (55, 13), (60, 15), (65, 16), (75, 18))
# the same table split for bisect: the first band whose (exclusive) upper limit is above the age
_AGE_UPPER, _AGE_POINTS = zip(*_AGE, strict=True)
# Above the lowest band ("<x"): each band's highest printed value (inclusive) and the points of the
# bands in order, one more than there are limits. bisect_left counts the limits below a value, so a
# value between two printed bands goes to the higher one.
_SBP_LOWEST = 110.0
_SBP_TOP = (119.0, 129.0, 139.0, 149.0, 159.0)
_SBP_POINTS = (1, 3, 6, 7, 8, 10)
_BMI_LOWEST = 22.0
_BMI_TOP = (23.9, 29.9)
_BMI_POINTS = (1, 3, 5)
# waist: men <75, 75-79.9, ... 90-94.9, >=95 cm; women <70, 70-74.9, ... 85-89.9, >=90 cm
_WAIST_LOWEST = {"male": 75.0, "female": 70.0}
_WAIST_TOP = {"male": (79.9, 84.9, 89.9, 94.9), "female": (74.9, 79.9, 84.9, 89.9)}
_WAIST_POINTS = (3, 5, 7, 8, 10)
MAXIMUM = {
    "age": max(_AGE_POINTS),
    "sex": 2,
    "bmi": max(_BMI_POINTS),
    "waist": max(_WAIST_POINTS),
    "sbp": max(_SBP_POINTS),
    "family_history_diabetes": 6,
}
"""Each item's maximum points (they sum to the published 51)."""


def age_points(age: float) -> int:
    completed = years(age)
    band = bisect_right(_AGE_UPPER, completed)  # the first band with years < its upper limit
    if band == len(_AGE_POINTS):
        raise ValueError(f"age {age} is outside 20-74")
    return _AGE_POINTS[band]


def bmi_points(bmi: float) -> int:
    return 0 if bmi < _BMI_LOWEST else _BMI_POINTS[bisect_left(_BMI_TOP, bmi)]


def waist_points(waist_cm: float, sex: str) -> int:
    key = "male" if sex == "male" else "female"
    return 0 if waist_cm < _WAIST_LOWEST[key] else _WAIST_POINTS[bisect_left(_WAIST_TOP[key], waist_cm)]


def sbp_points(sbp: float) -> int:
    return 0 if sbp < _SBP_LOWEST else _SBP_POINTS[bisect_left(_SBP_TOP, sbp)]


def cdrs(
    *,
    age: float | None,
    sex: str | None,
    bmi: float | None,
    waist_cm: float | None,
    sbp: float | None,
    family_history_diabetes: str | None,
    censored: tuple[str, ...] = (),
    pregnant: bool | None = None,
) -> ScoreResult:
    """CDRS from its six items; not applicable outside 20-74 years and in pregnancy (as FINDRISC:
    weight, waist and blood pressure change; ADA Standards of Care 2025, section 15)."""
    if pregnant:
        return not_applicable(
            "cdrs", phrases.PREGNANCY_NOT_APPLICABLE.template, reference=REFERENCE, unit="points"
        )
    if age is not None and not AGE_RANGE[0] <= years(age) <= AGE_RANGE[1]:
        return not_applicable(
            "cdrs",
            _OUTSIDE_AGES % years(age),
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
    if components["waist"] is None and waist_cm is not None:
        missing.remove("waist")  # measured: its bands need the sex, which is named missing
    total = sum([v for v in components.values() if v is not None])
    band = "high" if total >= OGTT_THRESHOLD else "low"
    detail = (_HIGH if band == "high" else _LOW) % ((">=" if missing else ""), total)
    most = could_reach(components, MAXIMUM, OGTT_THRESHOLD)
    if most is not None:
        band, detail = "incomplete", undetermined(_UNDETERMINED, components, total, most)
    if missing:
        detail += incomplete(missing)
    return score_result(
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
