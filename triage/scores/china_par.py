"""China-PAR 10-year ASCVD risk (Yang X, Li J, Hu D, et al. Circulation 2016;134:1430-1440,
doi:10.1161/CIRCULATIONAHA.116.022367, Data Supplement Table S1).

Risk = 1 - S10 ** exp(sum(beta * x) - mean). ln = natural log; TC and HDL-C in mg/dL, SBP in
mmHg, waist in cm; flags 0/1; "treated"/"untreated" picks which SBP terms apply.

Constants follow risk.md section 2.3, which departs from the printed two-decimal table where the
printed values do not reproduce the paper:

- men: ln(age) 31.966, ln(untreated SBP) 26.1488, ln(TC) 0.6209, ln(HDL) -0.6937,
  ln(waist) -0.7120, ln(age) x ln(untreated SBP) -5.7307 - recovered from the supplement's worked
  example (they round to the printed values; the printed ones overestimate men's risk by ~6 %);
  S10 = 0.9707 (printed 0.97);
- women: S10 = 0.9851 (printed 0.99, which underestimates by about a third); 0.9851 solves the
  paper's women's worked example (sum 119.22 -> 10.1 %).

These are risk.md's values, reproduced to within 0.15 points of the paper's Table 2 by
``tests/triage/test_cardiovascular_risk.py`` and pinned one by one by
``tests/triage/test_china_par_coefficients.py``; the supplement itself could not be opened here to
confirm them digit by digit. Derivation ages were 35-74: outside them the score is not applicable. Age
enters the range check and the equation in completed years (74.9 is 74: applicable; 34.9 is 34).
Categories (中国心血管病风险评估和管理指南 2019): <5 % low, 5-<10 % medium, >=10 % high.
"""

from __future__ import annotations

import math

from triage import phrases
from triage.scores.result import (
    ScoreResult,
    among,
    missing_result,
    not_applicable,
    percent_shown,
    score_result,
    years,
)

REFERENCE = (
    "Yang X et al. Circulation 2016;134:1430-1440 (China-PAR), Data Supplement Table S1; "
    "中国心血管病风险评估和管理指南 2019"
)
AGE_RANGE = (35.0, 74.0)
_OUTSIDE_AGES = phrases.OUTSIDE_AGES.printf({"age": "%g"}, low=f"{AGE_RANGE[0]:g}", high=f"{AGE_RANGE[1]:g}")
_SECONDARY_PREVENTION = phrases.SECONDARY_PREVENTION.template
_PREGNANCY = phrases.PREGNANCY_NOT_APPLICABLE.template
_DETAIL = phrases.CHINA_PAR.printf({"risk": "%s", "band": "%s"})

MEN = {
    "ln_age": 31.966,
    "ln_sbp_treated": 27.39,
    "ln_sbp_untreated": 26.1488,
    "ln_tc": 0.6209,
    "ln_hdl": -0.6937,
    "ln_waist": -0.7120,
    "smoker": 3.96,
    "diabetes": 0.36,
    "north": 0.48,
    "urban": -0.16,
    "family_history": 6.22,
    "ln_age_x_ln_sbp_treated": -6.02,
    "ln_age_x_ln_sbp_untreated": -5.7307,
    "ln_age_x_smoker": -0.94,
    "ln_age_x_family_history": -1.53,
    "mean": 140.68,
    "s10": 0.9707,
}
WOMEN = {
    "ln_age": 24.87,
    "ln_sbp_treated": 20.71,
    "ln_sbp_untreated": 19.98,
    "ln_tc": 0.06,
    "ln_hdl": -0.22,
    "ln_waist": 1.48,
    "smoker": 0.49,
    "diabetes": 0.57,
    "north": 0.54,
    "urban": 0.0,
    "family_history": 0.0,
    "ln_age_x_ln_sbp_treated": -4.53,
    "ln_age_x_ln_sbp_untreated": -4.36,
    "ln_age_x_smoker": 0.0,
    "ln_age_x_family_history": 0.0,
    "mean": 117.26,
    "s10": 0.9851,
}


def category(risk_percent: float) -> str:
    if risk_percent >= 10.0:
        return "high"
    if risk_percent >= 5.0:
        return "medium"
    return "low"


def linear_predictor(
    *,
    male: bool,
    age: float,
    sbp: float,
    treated: bool,
    tc_mgdl: float,
    hdl_mgdl: float,
    waist_cm: float,
    smoker: bool,
    diabetes: bool,
    north: bool,
    urban: bool,
    family_history: bool,
) -> float:
    b = MEN if male else WOMEN
    ln_age = math.log(age)
    ln_sbp = math.log(sbp)
    kind = "treated" if treated else "untreated"
    return (
        b["ln_age"] * ln_age
        + b[f"ln_sbp_{kind}"] * ln_sbp
        + b[f"ln_age_x_ln_sbp_{kind}"] * ln_age * ln_sbp
        + b["ln_tc"] * math.log(tc_mgdl)
        + b["ln_hdl"] * math.log(hdl_mgdl)
        + b["ln_waist"] * math.log(waist_cm)
        + (b["smoker"] + b["ln_age_x_smoker"] * ln_age) * smoker
        + b["diabetes"] * diabetes
        + b["north"] * north
        + b["urban"] * urban
        + (b["family_history"] + b["ln_age_x_family_history"] * ln_age) * family_history
    )


def risk_percent(linear: float, *, male: bool) -> float:
    b = MEN if male else WOMEN
    return 100.0 * (1.0 - b["s10"] ** math.exp(linear - b["mean"]))


def china_par(
    *,
    sex: str | None,
    age: float | None,
    sbp: float | None,
    on_antihypertensives: bool | None,
    tc_mgdl: float | None,
    hdl_mgdl: float | None,
    waist_cm: float | None,
    current_smoker: bool | None,
    diabetes: bool | None,
    region_north: bool | None,
    urban: bool | None,
    family_history_ascvd: bool | None,
    censored: tuple[str, ...] = (),
    known_ascvd: bool | None = None,
    pregnant: bool | None = None,
) -> ScoreResult:
    """10-year ASCVD risk in %; every input is required (urban and family history for men only).
    Not applicable with ``known_ascvd`` true: China-PAR is for primary prevention (中国心血管病风险评估和
    管理指南 2019), and a patient with established ASCVD is at very high risk without an estimate.
    Not applicable with ``pregnant`` true either: derived in people who were not pregnant."""
    if known_ascvd:
        return not_applicable("china_par", _SECONDARY_PREVENTION, reference=REFERENCE)
    if pregnant:  # derived outside pregnancy, which raises cholesterol and lowers blood pressure
        return not_applicable("china_par", _PREGNANCY, reference=REFERENCE)
    needed: dict[str, object] = {
        "sex": sex,
        "age": age,
        "sbp": sbp,
        "on_antihypertensives": on_antihypertensives,
        "total_cholesterol": tc_mgdl,
        "hdl_cholesterol": hdl_mgdl,
        "waist": waist_cm,
        "current_smoker": current_smoker,
        "diabetes": diabetes,
        "region_north": region_north,
    }
    if sex != "female":
        needed["urban"] = urban
        needed["family_history_ascvd"] = family_history_ascvd
    missing = tuple([k for k, v in needed.items() if v is None])
    if age is not None:
        age = years(age)
    if age is not None and not AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        # no input can make it apply: none is named missing (a child was asked for cholesterol)
        return not_applicable("china_par", _OUTSIDE_AGES % age, reference=REFERENCE)
    if missing:
        return missing_result("china_par", missing, reference=REFERENCE)
    assert age is not None and sbp is not None and tc_mgdl is not None
    assert hdl_mgdl is not None and waist_cm is not None
    male = sex == "male"
    lp = linear_predictor(
        male=male,
        age=age,
        sbp=sbp,
        treated=bool(on_antihypertensives),
        tc_mgdl=tc_mgdl,
        hdl_mgdl=hdl_mgdl,
        waist_cm=waist_cm,
        smoker=bool(current_smoker),
        diabetes=bool(diabetes),
        north=bool(region_north),
        urban=bool(urban),
        family_history=bool(family_history_ascvd),
    )
    risk = risk_percent(lp, male=male)
    band = category(risk)
    return score_result(
        name="china_par",
        value=risk,
        unit="%",
        band=band,
        complete=True,
        components={"linear_predictor": lp, "sex": sex, "treated_sbp": bool(on_antihypertensives)},
        censored=among(censored, ("sbp", "total_cholesterol", "hdl_cholesterol", "waist")),
        detail=_DETAIL % (percent_shown(risk, category), band),
        reference=REFERENCE,
    )
