"""The Pooled Cohort Equations to each printed coefficient of Table A (Goff DC Jr et al.,
Circulation 2014;129(suppl 2):S49-S73; /work/shared/reference/risk.md section 2.4), for each of the
four equations.

The equation is written out here from the guideline, Risk = 1 - S10 ** exp(sum(beta * x) - mean),
with Table A typed in, not taken from triage.scores.pce. Two people per equation: the guideline's
own example (55 years, TC 213, HDL 50, 120 mmHg untreated, non-smoker, no diabetes), which carries
every term but the treated pressure's, smoking's and diabetes', and a treated, smoking, diabetic
65-year-old (TC 250, HDL 40, 150 mmHg), which carries those. Mutation testing of
triage/scores/pce.py left alive every coefficient mutant one step off in its last printed digit
(the guideline-example test allows 0.1 points), the input ranges' bounds moved by 0.1 (the range
tests used whole numbers), age taken with its fraction, and a scored PCE marked incomplete; each
case here fails against one."""

from __future__ import annotations

import math

import pytest

from triage.scores.pce import pce

# Table A: ln age, (ln age)^2, ln TC, ln age x ln TC, ln HDL, ln age x ln HDL, ln treated SBP,
# ln age x ln treated SBP, ln untreated SBP, ln age x ln untreated SBP, smoker, ln age x smoker,
# diabetes, mean, S10 (a term the equation lacks is 0)
TABLE_A = {
    ("female", "white"): (
        -29.799,
        4.884,
        13.540,
        -3.114,
        -13.578,
        3.149,
        2.019,
        0,
        1.957,
        0,
        7.574,
        -1.665,
        0.661,
        -29.18,
        0.9665,
    ),
    ("female", "african_american"): (
        17.114,
        0,
        0.940,
        0,
        -18.920,
        4.475,
        29.291,
        -6.432,
        27.820,
        -6.087,
        0.691,
        0,
        0.874,
        86.61,
        0.9533,
    ),
    ("male", "white"): (
        12.344,
        0,
        11.853,
        -2.664,
        -7.990,
        1.769,
        1.797,
        0,
        1.764,
        0,
        7.837,
        -1.795,
        0.658,
        61.18,
        0.9144,
    ),
    ("male", "african_american"): (
        2.469,
        0,
        0.302,
        0,
        -0.307,
        0,
        1.916,
        0,
        1.809,
        0,
        0.549,
        0,
        0.645,
        19.54,
        0.8954,
    ),
}
_INPUTS = ("age", "tc_mgdl", "hdl_mgdl", "sbp", "on_antihypertensives", "current_smoker", "diabetes")
PEOPLE = {
    "guideline-example": dict(zip(_INPUTS, (55.0, 213.0, 50.0, 120.0, False, False, False), strict=True)),
    "treated-smoker-diabetic": dict(zip(_INPUTS, (65.0, 250.0, 40.0, 150.0, True, True, True), strict=True)),
}
GUIDELINE = PEOPLE["guideline-example"]


def _published(equation: tuple[str, str], p: dict[str, float]) -> float:
    a, a2, t, at, h, ah, st, ast, su, asu, sm, asm, d, mean, s10 = TABLE_A[equation]
    la, lt, lh, ls = (math.log(p[k]) for k in ("age", "tc_mgdl", "hdl_mgdl", "sbp"))
    sbp_terms = (st + ast * la) * ls if p["on_antihypertensives"] else (su + asu * la) * ls
    total = (
        a * la
        + a2 * la * la
        + t * lt
        + at * la * lt
        + h * lh
        + ah * la * lh
        + sbp_terms
        + (sm + asm * la) * p["current_smoker"]
        + d * p["diabetes"]
    )
    return 100.0 * (1.0 - s10 ** math.exp(total - mean))


@pytest.mark.parametrize("person", sorted(PEOPLE))
@pytest.mark.parametrize("equation", sorted(TABLE_A), ids="-".join)
def test_each_equation_is_table_a(equation: tuple[str, str], person: str) -> None:
    p = PEOPLE[person]
    sex, race = equation
    r = pce(sex=sex, race=race, **p)  # type: ignore[arg-type]
    assert r.value == pytest.approx(_published(equation, p), rel=1e-9), r


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tc_mgdl", 129.95),
        ("tc_mgdl", 320.05),
        ("hdl_mgdl", 19.95),
        ("hdl_mgdl", 100.05),
        ("sbp", 89.95),
        ("sbp", 200.05),
    ],
)
def test_a_reading_a_fraction_outside_a_range_is_refused(field: str, value: float) -> None:
    """TC 130-320, HDL 20-100 mg/dL, SBP 90-200 mmHg: a lipid converted from mmol/L is seldom whole
    (3.36 mmol/L is 129.93 mg/dL), and one a twentieth outside is outside (the range tests used whole
    numbers, so a bound moved by 0.1 lived)."""
    r = pce(sex="male", **{**GUIDELINE, field: value})  # type: ignore[arg-type]
    assert (r.applicable, r.value) == (False, None), r


def test_age_enters_in_completed_years_and_the_score_is_complete() -> None:
    """79.9 is 79 (applicable, the risk of 79), 55.9 is 55; a scored PCE is complete."""
    for fraction, whole in ((55.9, 55.0), (79.9, 79.0)):
        r = pce(sex="female", **{**GUIDELINE, "age": fraction})  # type: ignore[arg-type]
        assert r.applicable and r.complete, r
        assert r.value == pce(sex="female", **{**GUIDELINE, "age": whole}).value  # type: ignore[arg-type]


@pytest.mark.parametrize("age", [39.9, 80.0])
def test_an_age_outside_is_refused_naming_the_range(age: float) -> None:
    r = pce(sex="male", **{**GUIDELINE, "age": age})  # type: ignore[arg-type]
    assert (r.applicable, r.detail) == (
        False,
        f"age {int(age)} years is outside the equations' range 40-79 years",
    )
