"""China-PAR (paper Table 2 within 0.15 points, guideline example) and the Pooled Cohort Equations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.scores.china_par import category as par_category
from triage.scores.china_par import china_par
from triage.scores.pce import category as pce_category
from triage.scores.pce import pce
from triage.scores.result import ScoreResult
from triage.units import cholesterol_mmol_to_mgdl

TABLE2 = {"male": (2.2, 5.4, 11.0, 19.6), "female": (2.4, 5.4, 10.1, 17.1)}


@pytest.mark.parametrize("sex", ["male", "female"])
@pytest.mark.parametrize("index", range(4))
def test_china_par_reproduces_table2(sex: str, index: int) -> None:
    age = (40, 50, 60, 70)[index]
    r = china_par(
        sex=sex,
        age=age,
        sbp=130,
        on_antihypertensives=False,
        tc_mgdl=210,
        hdl_mgdl=55,
        waist_cm=80,
        current_smoker=False,
        diabetes=True,
        region_north=True,
        urban=True,
        family_history_ascvd=False,
    )
    assert r.value is not None
    assert abs(r.value - TABLE2[sex][index]) <= 0.15


def test_china_par_guideline_example_within_half_a_point() -> None:
    r = china_par(
        sex="male",
        age=40,
        sbp=145,
        on_antihypertensives=False,
        tc_mgdl=cholesterol_mmol_to_mgdl(5.2),
        hdl_mgdl=cholesterol_mmol_to_mgdl(1.3),
        waist_cm=80,
        current_smoker=False,
        diabetes=False,
        region_north=True,
        urban=True,
        family_history_ascvd=True,
    )
    assert r.value is not None and abs(r.value - 4.7) <= 0.5


def test_china_par_missing_inputs_reported_not_assumed() -> None:
    r = china_par(
        sex="male",
        age=50,
        sbp=130,
        on_antihypertensives=None,
        tc_mgdl=210,
        hdl_mgdl=55,
        waist_cm=None,
        current_smoker=None,
        diabetes=True,
        region_north=True,
        urban=None,
        family_history_ascvd=None,
    )
    assert r.value is None
    assert set(r.missing) == {
        "on_antihypertensives",
        "waist",
        "current_smoker",
        "urban",
        "family_history_ascvd",
    }


def test_china_par_women_do_not_need_urban_or_family_history() -> None:
    r = china_par(
        sex="female",
        age=50,
        sbp=130,
        on_antihypertensives=False,
        tc_mgdl=210,
        hdl_mgdl=55,
        waist_cm=80,
        current_smoker=False,
        diabetes=True,
        region_north=True,
        urban=None,
        family_history_ascvd=None,
    )
    assert r.value is not None and r.complete


@pytest.mark.parametrize(
    ("age", "applicable"), [(34.9, False), (35, True), (74, True), (74.5, True), (74.99, True), (75, False)]
)
def test_china_par_age_range(age: float, applicable: bool) -> None:
    """Completed years, as the derivation ages 35-74 are printed: 74.5 years is 74, inside."""
    r = china_par(
        sex="female",
        age=age,
        sbp=130,
        on_antihypertensives=True,
        tc_mgdl=210,
        hdl_mgdl=55,
        waist_cm=80,
        current_smoker=True,
        diabetes=False,
        region_north=False,
        urban=None,
        family_history_ascvd=None,
    )
    assert r.applicable is applicable


@pytest.mark.parametrize(("risk", "band"), [(4.99, "low"), (5.0, "medium"), (9.99, "medium"), (10.0, "high")])
def test_china_par_categories(risk: float, band: str) -> None:
    assert par_category(risk) == band


PCE_VECTORS = [
    ("female", "white", 2.1),
    ("female", "african_american", 3.0),
    ("male", "white", 5.3),
    ("male", "african_american", 6.1),
]


# the guideline's example (risk.md 2.4) but for sex and race
EXAMPLE: dict[str, Any] = {
    "age": 55,
    "tc_mgdl": 213,
    "hdl_mgdl": 50,
    "sbp": 120,
    "on_antihypertensives": False,
    "current_smoker": False,
    "diabetes": False,
}


@pytest.mark.parametrize(("sex", "race", "published"), PCE_VECTORS)
def test_pce_guideline_example(sex: str, race: str, published: float) -> None:
    r = pce(sex=sex, race=race, **EXAMPLE)  # type: ignore[arg-type]
    assert r.value is not None and abs(r.value - published) <= 0.1


# the PCE's input ranges (age 40-79, TC 130-320, HDL 20-100 mg/dL, SBP 90-200 mmHg) on both sides
PCE_RANGE_EDGES = [
    ("age", 39, False),
    ("age", 40, True),
    ("age", 79, True),
    ("age", 80, False),
    ("tc_mgdl", 129, False),
    ("tc_mgdl", 130, True),
    ("tc_mgdl", 320, True),
    ("tc_mgdl", 321, False),
    ("hdl_mgdl", 19, False),
    ("hdl_mgdl", 20, True),
    ("hdl_mgdl", 100, True),
    ("hdl_mgdl", 101, False),
    ("sbp", 89, False),
    ("sbp", 90, True),
    ("sbp", 200, True),
    ("sbp", 201, False),
]
LIPIDS = {"tc_mgdl": "total_cholesterol", "hdl_mgdl": "hdl_cholesterol"}


@pytest.mark.parametrize(("field", "value", "applicable"), PCE_RANGE_EDGES)
def test_pce_refuses_outside_ranges(field: str, value: float, applicable: bool) -> None:
    r = pce(sex="male", **{**EXAMPLE, field: value})
    assert r.applicable is applicable
    assert (r.value is None) is (not applicable)


@pytest.mark.parametrize(
    ("risk", "band"),
    [
        (4.99, "low"),
        (5.0, "borderline"),
        (7.49, "borderline"),
        (7.5, "intermediate"),
        (19.99, "intermediate"),
        (20.0, "high"),
    ],
)
def test_pce_categories(risk: float, band: str) -> None:
    assert pce_category(risk) == band


def test_pce_missing() -> None:
    r = pce(
        sex="female",
        age=60,
        tc_mgdl=None,
        hdl_mgdl=50,
        sbp=120,
        on_antihypertensives=False,
        current_smoker=None,
        diabetes=False,
    )
    assert r.value is None and set(r.missing) == {"total_cholesterol", "current_smoker"}


PCE_PATIENT = PatientContext(
    age=55, sex="male", on_antihypertensives=False, current_smoker=False, diabetes=False
)


def _pce_through_assess(lipids_mgdl: dict[str, float]) -> ScoreResult:
    obs = [ob("sbp", 120), ob("dbp", 80)] + [ob(LIPIDS[f], v, "mg/dL") for f, v in lipids_mgdl.items()]
    return assess(PCE_PATIENT, obs, load_policy(), now=NOW).scores["pce"]


@pytest.mark.parametrize(("field", "mgdl", "applicable"), [e for e in PCE_RANGE_EDGES if e[0] in LIPIDS])
def test_pce_ranges_with_cholesterol_reported_in_mg_dl(field: str, mgdl: float, applicable: bool) -> None:
    """A lipid reported in mg/dL exactly on the PCE's range edge is inside it (through mmol/L and back,
    HDL 20 mg/dL came out 19.99999998 and HDL 100 100.000000004: refused)."""
    r = _pce_through_assess({"tc_mgdl": 213.0, "hdl_mgdl": 50.0, field: mgdl})
    assert r.applicable is applicable
    assert (r.value is not None) is applicable


def test_cholesterol_in_mg_dl_enters_the_equations_as_reported() -> None:
    """The guideline's PCE example (TC 213, HDL 50 mg/dL) through assess() equals the score given
    the same mg/dL numbers directly."""
    direct = pce(sex="male", **EXAMPLE)
    assert _pce_through_assess({"tc_mgdl": 213.0, "hdl_mgdl": 50.0}).value == direct.value
