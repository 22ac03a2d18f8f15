"""Pooled Cohort Equations, 10-year hard ASCVD risk (Goff DC Jr et al., 2013 ACC/AHA guideline on
the assessment of cardiovascular risk, Circulation 2014;129(suppl 2):S49-S73, Table A).

Risk = 1 - S10 ** exp(sum(beta * x) - mean); TC and HDL-C in mg/dL. The guideline derives separate
equations for white and African-American women and men and advises the white equations for other
groups; ``race`` defaults to ``"white"``. Valid ages 40-79 and the guideline's input ranges
TC 130-320 mg/dL, HDL-C 20-100 mg/dL and SBP 90-200 mmHg: outside them this implementation
*refuses* (not applicable, with the reason) rather than clamping, so no number is reported for a
person the equations were not built for. Age enters the range check and the equations in completed
years (79.9 is 79: applicable; 39.9 is 39: not). Chinese guidelines prefer China-PAR for Chinese adults;
external validations report that the PCE overestimates risk in Chinese cohorts.
Categories (2018/2019 ACC/AHA): <5 % low, 5-<7.5 % borderline, 7.5-<20 % intermediate, >=20 % high.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from triage import phrases
from triage.scores.result import (
    ScoreResult,
    among,
    as_read,
    missing_result,
    not_applicable,
    percent_shown,
    score_result,
    years,
)

REFERENCE = "Goff DC Jr et al. Circulation 2014;129(suppl 2):S49-S73, Table A (Pooled Cohort Equations)"

Race = Literal["white", "african_american"]

# Table A; keys: ln_age, ln_age_sq, ln_tc, ln_age_x_ln_tc, ln_hdl, ln_age_x_ln_hdl,
# ln_sbp_treated, ln_age_x_ln_sbp_treated, ln_sbp_untreated, ln_age_x_ln_sbp_untreated,
# smoker, ln_age_x_smoker, diabetes, mean, s10
_KEYS = (
    "ln_age",
    "ln_age_sq",
    "ln_tc",
    "ln_age_x_ln_tc",
    "ln_hdl",
    "ln_age_x_ln_hdl",
    "ln_sbp_treated",
    "ln_age_x_ln_sbp_treated",
    "ln_sbp_untreated",
    "ln_age_x_ln_sbp_untreated",
    "smoker",
    "ln_age_x_smoker",
    "diabetes",
    "mean",
    "s10",
)
COEFFICIENTS: dict[tuple[str, str], dict[str, float]] = {
    ("female", "white"): dict(
        zip(
            _KEYS,
            (
                -29.799,
                4.884,
                13.540,
                -3.114,
                -13.578,
                3.149,
                2.019,
                0.0,
                1.957,
                0.0,
                7.574,
                -1.665,
                0.661,
                -29.18,
                0.9665,
            ),
            strict=True,
        )
    ),
    ("female", "african_american"): dict(
        zip(
            _KEYS,
            (
                17.114,
                0.0,
                0.940,
                0.0,
                -18.920,
                4.475,
                29.291,
                -6.432,
                27.820,
                -6.087,
                0.691,
                0.0,
                0.874,
                86.61,
                0.9533,
            ),
            strict=True,
        )
    ),
    ("male", "white"): dict(
        zip(
            _KEYS,
            (
                12.344,
                0.0,
                11.853,
                -2.664,
                -7.990,
                1.769,
                1.797,
                0.0,
                1.764,
                0.0,
                7.837,
                -1.795,
                0.658,
                61.18,
                0.9144,
            ),
            strict=True,
        )
    ),
    ("male", "african_american"): dict(
        zip(
            _KEYS,
            (2.469, 0.0, 0.302, 0.0, -0.307, 0.0, 1.916, 0.0, 1.809, 0.0, 0.549, 0.0, 0.645, 19.54, 0.8954),
            strict=True,
        )
    ),
}
AGE_RANGE = (40.0, 79.0)
TC_RANGE = (130.0, 320.0)
HDL_RANGE = (20.0, 100.0)
SBP_RANGE = (90.0, 200.0)
_OUTSIDE_RANGE = phrases.OUTSIDE_RANGE.printf(
    {"input": "%s", "value": "%s", "unit": "%s", "low": "%g", "high": "%g"}
)
_SECONDARY_PREVENTION = phrases.SECONDARY_PREVENTION.template
_PREGNANCY = phrases.PREGNANCY_NOT_APPLICABLE.template
_DETAIL = phrases.PCE.printf({"risk": "%s", "band": "%s"})


def _outside_spec(value: float, lo: float, hi: float) -> str:
    """Four significant digits, or as many as it takes (up to ten) for the number shown to be
    outside ``lo``-``hi`` too: 320.04 mg/dL was shown '320', a value inside the range it was
    refused for."""
    for digits in (4, 6, 8, 10):
        spec = f".{digits}g"
        if not lo <= float(f"{value:{spec}}") <= hi:
            return spec
    return ".10g"


def category(risk_percent: float) -> str:
    if risk_percent >= 20.0:
        return "high"
    if risk_percent >= 7.5:
        return "intermediate"
    if risk_percent >= 5.0:
        return "borderline"
    return "low"


def risk_percent(
    *,
    sex: str,
    race: Race,
    age: float,
    tc_mgdl: float,
    hdl_mgdl: float,
    sbp: float,
    treated: bool,
    smoker: bool,
    diabetes: bool,
) -> float:
    b = COEFFICIENTS[(sex, race)]
    la = math.log(age)
    lt = math.log(tc_mgdl)
    lh = math.log(hdl_mgdl)
    ls = math.log(sbp)
    kind = "treated" if treated else "untreated"
    s = (
        b["ln_age"] * la
        + b["ln_age_sq"] * la * la
        + b["ln_tc"] * lt
        + b["ln_age_x_ln_tc"] * la * lt
        + b["ln_hdl"] * lh
        + b["ln_age_x_ln_hdl"] * la * lh
        + b[f"ln_sbp_{kind}"] * ls
        + b[f"ln_age_x_ln_sbp_{kind}"] * la * ls
        + (b["smoker"] + b["ln_age_x_smoker"] * la) * smoker
        + b["diabetes"] * diabetes
    )
    return 100.0 * (1.0 - b["s10"] ** math.exp(s - b["mean"]))


def pce(
    *,
    sex: str | None,
    age: float | None,
    tc_mgdl: float | None,
    hdl_mgdl: float | None,
    sbp: float | None,
    on_antihypertensives: bool | None,
    current_smoker: bool | None,
    diabetes: bool | None,
    race: Race = "white",
    censored: tuple[str, ...] = (),
    comparators: Mapping[str, str] | None = None,
    known_ascvd: bool | None = None,
    pregnant: bool | None = None,
) -> ScoreResult:
    """The 10-year ASCVD risk (%) of the pooled cohort equations; an input outside the equations'
    ranges makes it not applicable, the detail showing it as read (a censored one with its
    comparator from ``comparators``: ``sbp >250 mmHg``). Not applicable with ``known_ascvd`` true:
    the equations are for adults without clinical ASCVD (Goff 2013; Arnett DK et al. 2019 ACC/AHA
    primary prevention guideline), who are in secondary prevention; nor with ``pregnant`` true."""
    if known_ascvd:
        return not_applicable("pce", _SECONDARY_PREVENTION, reference=REFERENCE)
    if pregnant:  # derived outside pregnancy, which raises cholesterol and lowers blood pressure
        return not_applicable("pce", _PREGNANCY, reference=REFERENCE)
    needed = {
        "sex": sex,
        "age": age,
        "total_cholesterol": tc_mgdl,
        "hdl_cholesterol": hdl_mgdl,
        "sbp": sbp,
        "on_antihypertensives": on_antihypertensives,
        "current_smoker": current_smoker,
        "diabetes": diabetes,
    }
    missing = tuple([k for k, v in needed.items() if v is None])
    if age is not None:
        age = years(age)
    for name, value, (lo, hi), unit in (
        ("age", age, AGE_RANGE, "years"),
        ("total_cholesterol", tc_mgdl, TC_RANGE, "mg/dL"),
        ("hdl_cholesterol", hdl_mgdl, HDL_RANGE, "mg/dL"),
        ("sbp", sbp, SBP_RANGE, "mmHg"),
    ):
        if value is not None and not lo <= value <= hi:
            return not_applicable(  # no other input can make it apply: none is named missing
                "pce",
                _OUTSIDE_RANGE
                % (name, as_read(value, name, comparators, _outside_spec(value, lo, hi)), unit, lo, hi, unit),
                reference=REFERENCE,
            )
    if missing:
        return missing_result("pce", missing, reference=REFERENCE)
    assert sex is not None and age is not None and tc_mgdl is not None
    assert hdl_mgdl is not None and sbp is not None
    risk = risk_percent(
        sex=sex,
        race=race,
        age=age,
        tc_mgdl=tc_mgdl,
        hdl_mgdl=hdl_mgdl,
        sbp=sbp,
        treated=bool(on_antihypertensives),
        smoker=bool(current_smoker),
        diabetes=bool(diabetes),
    )
    band = category(risk)
    return score_result(
        name="pce",
        value=risk,
        unit="%",
        band=band,
        complete=True,
        components={"race_equation": race, "sex": sex, "treated_sbp": bool(on_antihypertensives)},
        censored=among(censored, ("sbp", "total_cholesterol", "hdl_cholesterol")),
        detail=_DETAIL % (percent_shown(risk, category), band),
        reference=REFERENCE,
    )
