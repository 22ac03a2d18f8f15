"""FINDRISC, the Finnish Diabetes Risk Score (Lindström J, Tuomilehto J. Diabetes Care
2003;26:725-731), from the original form (not the German FINDRISK variant with 35-44 -> 1).

Age (completed years) <45: 0, 45-54: 2, 55-64: 3, >64: 4. BMI <25: 0, 25-30: 1, >30: 3.
Waist men <94: 0, 94-102: 3, >102: 4; women <80: 0, 80-88: 3, >88: 4. Not physically active
>=30 min daily: 2. Vegetables/fruit/berries not every day: 1. Ever on regular BP medication: 2.
Ever high blood glucose: 5. Family history: second degree 3, first degree 5. Total 0-26.
Bands (10-year type 2 diabetes risk): <7 low (1 in 100), 7-11 slightly elevated (1 in 25),
12-14 moderate (1 in 6), 15-20 high (1 in 3), >20 very high (1 in 2).

BMI and waist are printed with integer edges ("25-30", ">30"): a value above the printed upper
edge (30.01) is in the next band. Age in completed years (44.9 is 44: 0 points). The form is an
adult questionnaire (derived in Finns aged 35-64; its bands "<45" and ">64" take every adult):
not applicable under 18 years. Missing items add no points (the total is a lower bound;
``complete`` false); below 7 with missing items whose maximum points (``MAXIMUM``; waist 4 when sex
is missing) could reach 7, the band is ``incomplete``, not ``low``.
"""

from __future__ import annotations

from triage import phrases
from triage.scores.result import (
    UNDETERMINED_SPECS,
    ScoreResult,
    adults_only,
    among,
    could_reach,
    incomplete,
    not_applicable,
    score_result,
    undetermined,
    years,
)

REFERENCE = "Lindström J, Tuomilehto J. Diabetes Care 2003;26:725-731 (FINDRISC)"
_PREGNANCY = phrases.PREGNANCY_NOT_APPLICABLE.template

BANDS = (
    (20, "very_high", "1 in 2"),
    (14, "high", "1 in 3"),
    (11, "moderate", "1 in 6"),
    (6, "slightly_elevated", "1 in 25"),
    (-1, "low", "1 in 100"),
)


_FAMILY_POINTS = {"none": 0, "second_degree": 3, "first_degree": 5}


def age_points(age: float) -> int:
    completed = years(age)
    if completed < 45:
        return 0
    if completed <= 54:
        return 2
    if completed <= 64:
        return 3
    return 4


def bmi_points(bmi: float) -> int:
    if bmi < 25:
        return 0
    if bmi <= 30:
        return 1
    return 3


def waist_points(waist_cm: float, sex: str) -> int:
    low, high = (94, 102) if sex == "male" else (80, 88)
    if waist_cm < low:
        return 0
    if waist_cm <= high:
        return 3
    return 4


_DETAIL = phrases.FINDRISC.printf({"total": "%s%s", "band": "%s", "odds": "%s"})
_UNDETERMINED = phrases.FINDRISC_UNDETERMINED.printf(UNDETERMINED_SPECS)
ABOVE_LOW = 7
MAXIMUM = {
    "age": 4,
    "bmi": 3,
    "waist": 4,
    "physically_active": 2,
    "daily_fruit_veg": 1,
    "on_antihypertensives": 2,
    "history_high_glucose": 5,
    "family_history_diabetes": 5,
}
"""Each item's published maximum points (they sum to the form's 26)."""


def band_for(total: int) -> tuple[str, str]:
    for floor, band, odds in BANDS:
        if total > floor:
            return band, odds
    raise AssertionError("unreachable")


def findrisc(
    *,
    age: float | None,
    sex: str | None,
    bmi: float | None,
    waist_cm: float | None,
    physically_active: bool | None,
    daily_fruit_veg: bool | None,
    on_antihypertensives: bool | None,
    history_high_glucose: bool | None,
    family_history_diabetes: str | None,
    censored: tuple[str, ...] = (),
    pregnant: bool | None = None,
) -> ScoreResult:
    """FINDRISC from the form's items; not applicable under 18 and in pregnancy, where weight and
    waist are not the woman's own and diabetes is screened for by the pregnancy's tests (ADA
    Standards of Care 2025, section 15: undiagnosed diabetes at the first prenatal visit, an OGTT
    at 24-28 weeks)."""
    child = adults_only("findrisc", age, reference=REFERENCE)
    if child is not None:
        return child
    if pregnant:
        return not_applicable("findrisc", _PREGNANCY, reference=REFERENCE, unit="points")
    family = _FAMILY_POINTS
    components: dict[str, int | None] = {
        "age": None if age is None else age_points(age),
        "bmi": None if bmi is None else bmi_points(bmi),
        "waist": None if waist_cm is None or sex is None else waist_points(waist_cm, sex),
        "physically_active": None if physically_active is None else (0 if physically_active else 2),
        "daily_fruit_veg": None if daily_fruit_veg is None else (0 if daily_fruit_veg else 1),
        "on_antihypertensives": None if on_antihypertensives is None else (2 if on_antihypertensives else 0),
        "history_high_glucose": None if history_high_glucose is None else (5 if history_high_glucose else 0),
        "family_history_diabetes": None
        if family_history_diabetes is None
        else family[family_history_diabetes],
    }
    missing = [k for k, v in components.items() if v is None]
    if components["waist"] is None and waist_cm is not None:
        missing = [m for m in missing if m != "waist"] + ["sex"]
    total = sum([v for v in components.values() if v is not None])
    band, odds = band_for(total)
    detail = _DETAIL % ((">=" if missing else ""), total, band.replace("_", " "), odds)
    most = could_reach(components, MAXIMUM, ABOVE_LOW)
    if most is not None:
        band, detail = "incomplete", undetermined(_UNDETERMINED, components, total, most)
    if missing:
        detail += incomplete(missing)
    return score_result(
        name="findrisc",
        value=float(total),
        band=band,
        complete=not missing,
        components=components,
        missing=tuple(missing),
        censored=among(censored, ("bmi", "waist")),
        detail=detail,
        reference=REFERENCE,
    )
