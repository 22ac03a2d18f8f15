"""A cardiovascular risk's detail never shows a number of another category than its band. It gave
one decimal, rounded: China-PAR 9.96 % (medium, below the 10 % of cvd_risk_high) read 'China-PAR
10-year ASCVD risk 10.0 % (medium)', 4.96 % '5.0 % (low)', the PCE's 7.45 % '7.5 % (borderline)'. The
band and the value are as published (the exact risk); where one decimal would cross a cut-point the
detail gives two, cut: '9.95 % (medium)'. Elsewhere one decimal, as before."""

from __future__ import annotations

import pytest

from triage.scores.china_par import category as china_par_category
from triage.scores.china_par import china_par
from triage.scores.pce import category as pce_category
from triage.scores.pce import pce

MAN = {
    "sex": "male",
    "age": 55,
    "on_antihypertensives": False,
    "tc_mgdl": 200,
    "hdl_mgdl": 50,
    "waist_cm": 85,
    "current_smoker": False,
    "diabetes": False,
    "region_north": True,
    "urban": True,
    "family_history_ascvd": False,
}


@pytest.mark.parametrize(("sbp", "shown", "band"), [(157.5, "9.95", "medium"), (125.5, "4.96", "low")])
def test_china_par_just_below_a_cut_point_shows_a_number_below_it(sbp: float, shown: str, band: str) -> None:
    r = china_par(sbp=sbp, **MAN)
    assert r.band == band and r.detail == f"China-PAR 10-year ASCVD risk {shown} % ({band})"


def test_the_pce_just_below_a_cut_point_shows_a_number_below_it() -> None:
    r = pce(sex="male", age=55, tc_mgdl=213, hdl_mgdl=50, sbp=145.2, on_antihypertensives=False,
            current_smoker=False, diabetes=False)  # fmt: skip
    assert r.band == "borderline" and r.detail.startswith("Pooled Cohort Equations 10-year ASCVD risk 7.45 %")


@pytest.mark.parametrize(
    "risk", [4.94, 4.95, 4.999, 5.0, 7.449, 7.45, 9.95, 9.9999, 10.0, 19.96, 20.0, 23.14]
)
def test_the_number_shown_is_in_the_band(risk: float) -> None:
    from triage.scores.result import percent_shown

    for category in (china_par_category, pce_category):
        assert category(float(percent_shown(risk, category))) == category(risk)


def test_away_from_the_cut_points_one_decimal_as_before() -> None:
    from triage.scores.result import percent_shown

    assert (
        percent_shown(23.14, china_par_category) == "23.1"
        and percent_shown(10.0, china_par_category) == "10.0"
    )
