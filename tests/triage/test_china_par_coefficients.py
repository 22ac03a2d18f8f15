"""China-PAR to each published coefficient, men and women (Yang X et al. Circulation
2016;134:1430-1440, Data Supplement Table S1, as /work/shared/reference/risk.md section 2.3 gives
it: the printed two-decimal table, with the men's five terms marked there taken from the
supplement's worked example, and S10 0.9707 / 0.9851).

The equation is written out here from the paper, Risk = 1 - S10 ** exp(sum(beta * x) - mean), with
the table typed in, not taken from triage.scores.china_par; each case switches on the input of one
coefficient's term (a treated pressure, a smoker, a diabetic, north, urban, a family history) and
checks the score's linear predictor and risk against it, and the step that input makes against
the coefficient worked out by hand. Mutation testing left alive the mutants of
triage/scores/china_par.py:48-83 (a coefficient one step off in its last printed digit): the
Table 2 tests allow 0.15 points and none had a treated pressure, a smoker or a family history;
each case fails against one."""

from __future__ import annotations

import math

import pytest

from triage.scores.china_par import china_par, risk_percent
from triage.scores.result import ScoreResult

# risk.md 2.3; a term the paper has for one sex only is 0 for the other
PUBLISHED = {
    "male": {
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
    },
    "female": {
        "ln_age": 24.87,
        "ln_sbp_treated": 20.71,
        "ln_sbp_untreated": 19.98,
        "ln_tc": 0.06,
        "ln_hdl": -0.22,
        "ln_waist": 1.48,
        "smoker": 0.49,
        "diabetes": 0.57,
        "north": 0.54,
        "mean": 117.26,
        "s10": 0.9851,
        "ln_age_x_ln_sbp_treated": -4.53,
        "ln_age_x_ln_sbp_untreated": -4.36,
    },
}
# a 50-year-old, 130 mmHg untreated, TC 210 and HDL 55 mg/dL, waist 80 cm, no risk factor, south, rural
BASE = {"age": 50.0, "sbp": 130.0, "tc": 210.0, "hdl": 55.0, "waist": 80.0}
FLAGS = ("treated", "smoker", "diabetes", "north", "urban", "family_history")


def _published_sum(sex: str, x: dict[str, float]) -> float:
    """sum(beta * x) of the paper's equation for ``sex``."""
    b = PUBLISHED[sex]
    la, ls = math.log(x["age"]), math.log(x["sbp"])
    kind = "treated" if x["treated"] else "untreated"
    return (
        b["ln_age"] * la
        + b[f"ln_sbp_{kind}"] * ls
        + b[f"ln_age_x_ln_sbp_{kind}"] * la * ls
        + b["ln_tc"] * math.log(x["tc"])
        + b["ln_hdl"] * math.log(x["hdl"])
        + b["ln_waist"] * math.log(x["waist"])
        + (b["smoker"] + b.get("ln_age_x_smoker", 0.0) * la) * x["smoker"]
        + b["diabetes"] * x["diabetes"]
        + b["north"] * x["north"]
        + b.get("urban", 0.0) * x["urban"]
        + (b.get("family_history", 0.0) + b.get("ln_age_x_family_history", 0.0) * la) * x["family_history"]
    )


def _published_risk(sex: str, x: dict[str, float]) -> float:
    b = PUBLISHED[sex]
    return 100.0 * (1.0 - b["s10"] ** math.exp(_published_sum(sex, x) - b["mean"]))


def _china_par(sex: str, x: dict[str, float]) -> ScoreResult:
    return china_par(
        sex=sex,
        age=x["age"],
        sbp=x["sbp"],
        on_antihypertensives=bool(x["treated"]),
        tc_mgdl=x["tc"],
        hdl_mgdl=x["hdl"],
        waist_cm=x["waist"],
        current_smoker=bool(x["smoker"]),
        diabetes=bool(x["diabetes"]),
        region_north=bool(x["north"]),
        urban=bool(x["urban"]),
        family_history_ascvd=bool(x["family_history"]),
    )


def _scored(sex: str, x: dict[str, float]) -> tuple[float, float]:
    r = _china_par(sex, x)
    lp = r.components["linear_predictor"]
    assert r.value is not None and isinstance(lp, float), r
    return lp, r.value


LN50, LN130 = math.log(50.0), math.log(130.0)
# the step switching on one input makes in sum(beta * x) at age 50 and 130 mmHg, by hand from the table
STEPS = [
    # treated: the treated pressure's two terms replace the untreated ones
    ("male", "treated", (27.39 - 26.1488) * LN130 + (-6.02 + 5.7307) * LN50 * LN130),
    ("female", "treated", (20.71 - 19.98) * LN130 + (-4.53 + 4.36) * LN50 * LN130),
    ("male", "smoker", 3.96 - 0.94 * LN50),
    ("female", "smoker", 0.49),
    ("male", "diabetes", 0.36),
    ("female", "diabetes", 0.57),
    ("male", "north", 0.48),
    ("female", "north", 0.54),
    ("male", "urban", -0.16),
    ("female", "urban", 0.0),  # no urban term for women
    ("male", "family_history", 6.22 - 1.53 * LN50),
    ("female", "family_history", 0.0),  # no family-history term for women
]


@pytest.mark.parametrize(("sex", "flag", "step"), STEPS, ids=[f"{s}-{f}" for s, f, _ in STEPS])
def test_each_risk_factor_adds_its_published_coefficient(sex: str, flag: str, step: float) -> None:
    without = {**BASE, **dict.fromkeys(FLAGS, 0.0)}
    with_it = {**without, flag: 1.0}
    lp_without, _ = _scored(sex, without)
    lp_with, risk = _scored(sex, with_it)
    assert lp_with - lp_without == pytest.approx(step, rel=1e-9, abs=1e-9)
    assert lp_with == pytest.approx(_published_sum(sex, with_it), rel=1e-12)
    assert risk == pytest.approx(_published_risk(sex, with_it), rel=1e-9)


# every input changed from BASE at once, each continuous term away from the others: age 62, 148 mmHg,
# TC 232, HDL 41, waist 91; once untreated and once treated, with every risk factor
PROFILES = [
    {"age": 62.0, "sbp": 148.0, "tc": 232.0, "hdl": 41.0, "waist": 91.0, **dict.fromkeys(FLAGS, 0.0)},
    {"age": 62.0, "sbp": 148.0, "tc": 232.0, "hdl": 41.0, "waist": 91.0, **dict.fromkeys(FLAGS, 1.0)},
]


@pytest.mark.parametrize("sex", ["male", "female"])
@pytest.mark.parametrize("profile", range(len(PROFILES)), ids=["untreated-no-factor", "treated-every-factor"])
def test_the_score_is_the_published_equation(sex: str, profile: int) -> None:
    x = PROFILES[profile]
    lp, risk = _scored(sex, x)
    assert lp == pytest.approx(_published_sum(sex, x), rel=1e-12)
    assert risk == pytest.approx(_published_risk(sex, x), rel=1e-9)


@pytest.mark.parametrize(
    ("sex", "term", "low", "high", "beta"),
    [
        ("male", "tc", 160.0, 280.0, 0.6209),
        ("female", "tc", 160.0, 280.0, 0.06),
        ("male", "hdl", 35.0, 70.0, -0.6937),
        ("female", "hdl", 35.0, 70.0, -0.22),
        ("male", "waist", 70.0, 100.0, -0.7120),
        ("female", "waist", 70.0, 100.0, 1.48),
    ],
)
def test_each_measurement_enters_with_its_coefficient(
    sex: str, term: str, low: float, high: float, beta: float
) -> None:
    """A lipid or the waist enters as beta x ln(value) alone (no interaction with age): the step
    from ``low`` to ``high`` is beta x ln(high / low)."""
    x = {**BASE, **dict.fromkeys(FLAGS, 0.0)}
    lp_low, _ = _scored(sex, {**x, term: low})
    lp_high, _ = _scored(sex, {**x, term: high})
    assert lp_high - lp_low == pytest.approx(beta * math.log(high / low), rel=1e-9)


def test_the_womens_worked_example_sum_gives_the_papers_risk() -> None:
    """The supplement's women's worked example: sum(beta * x) 119.22 gives 10.1 %; by hand
    1 - 0.9851 ** exp(119.22 - 117.26) = 1 - 0.9851 ** 7.09933 = 10.109 %."""
    assert risk_percent(119.22, male=False) == pytest.approx(10.109, abs=0.001)


@pytest.mark.parametrize("age", [34.9, 75.0])
def test_outside_the_derivation_ages_the_detail_names_them(age: float) -> None:
    """The not-applicable detail names the paper's derivation ages 35-74 (mutants naming 74-74 or
    35-35 lived: no test read the detail)."""
    r = _china_par("male", {**BASE, **dict.fromkeys(FLAGS, 0.0), "age": age})
    assert (r.band, r.detail) == ("not_applicable", f"age {int(age)} is outside the derivation ages 35-74")
