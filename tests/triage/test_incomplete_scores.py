"""A point score with items missing is never "low" while the missing items could still reach its
threshold: for qSOFA, CRB-65, FINDRISC, CDRS, NEWS2 and the blood-pressure grade, each on both sides - complete and below, missing
items that cannot reach the threshold even at their published maximum, missing items that could,
and a threshold already reached by the items present."""

from __future__ import annotations

from typing import Any

import pytest

from triage import phrases
from triage.scores.blood_pressure import blood_pressure
from triage.scores.cdrs import cdrs
from triage.scores.crb65 import crb65
from triage.scores.findrisc import findrisc
from triage.scores.news2 import news2
from triage.scores.qsofa import qsofa
from triage.scores.result import ScoreResult

QSOFA = {"resp_rate": 16.0, "consciousness": "A", "sbp": 120.0}
CRB65 = {"consciousness": "A", "resp_rate": 16.0, "sbp": 120.0, "dbp": 80.0, "age": 40.0}
FINDRISC = {  # 0 points
    "age": 40.0,
    "sex": "female",
    "bmi": 22.0,
    "waist_cm": 70.0,
    "physically_active": True,
    "daily_fruit_veg": True,
    "on_antihypertensives": False,
    "history_high_glucose": False,
    "family_history_diabetes": "none",
}
CDRS = {  # age 30: 4 points, the rest 0
    "age": 30.0,
    "sex": "female",
    "bmi": 20.0,
    "waist_cm": 65.0,
    "sbp": 100.0,
    "family_history_diabetes": "none",
}


def _undetermined(result: ScoreResult, phrase: phrases.Phrase) -> dict[str, str]:
    body = result.detail.split(phrases.INCOMPLETE.template.split("{")[0])[0]
    found = phrase.match(body)
    assert found is not None, result.detail
    return found


def test_qsofa_complete_below_is_low() -> None:
    result = qsofa(**QSOFA)  # type: ignore[arg-type]
    assert (result.complete, result.band, result.detail) == (True, "low", "qSOFA 0: below the >=2 threshold")


def test_qsofa_missing_item_that_cannot_reach_2_is_below() -> None:
    result = qsofa(**{**QSOFA, "resp_rate": None})  # type: ignore[arg-type]
    assert not result.complete and result.band == "low"
    assert result.detail.startswith("qSOFA >=0: below the >=2 threshold; incomplete, missing resp_rate")


def test_qsofa_missing_item_that_could_reach_2_is_not_low() -> None:
    result = qsofa(**{**QSOFA, "resp_rate": None, "consciousness": "V"})  # type: ignore[arg-type]
    assert result.band == "incomplete" and result.value == 1 and result.missing == ("resp_rate",)
    assert "below" not in result.detail
    found = _undetermined(result, phrases.QSOFA_UNDETERMINED)
    assert found == {"total": ">=1", "scored": "2", "items": "3", "most": "1"}
    assert result.detail.endswith("; incomplete, missing resp_rate")


def test_qsofa_two_missing_items_could_reach_2_from_0() -> None:
    result = qsofa(resp_rate=None, consciousness=None, sbp=120.0)
    assert result.band == "incomplete"
    assert _undetermined(result, phrases.QSOFA_UNDETERMINED)["most"] == "2"


def test_qsofa_already_reached_with_an_item_missing_is_high() -> None:
    result = qsofa(**{**QSOFA, "resp_rate": None, "consciousness": "V", "sbp": 90.0})  # type: ignore[arg-type]
    assert not result.complete and result.band == "high" and result.value == 2


def test_crb65_complete_0_is_low() -> None:
    result = crb65(**CRB65)  # type: ignore[arg-type]
    assert (result.complete, result.band) == (True, "low")


@pytest.mark.parametrize("absent", ["consciousness", "resp_rate", "age", "sbp", "dbp"])
def test_crb65_0_with_an_item_missing_is_not_low(absent: str) -> None:
    # every CRB-65 item carries a point: with one missing, 0 could be 1 (intermediate)
    result = crb65(**{**CRB65, absent: None})  # type: ignore[arg-type]
    assert result.band == "incomplete" and result.value == 0 and absent in result.missing
    assert _undetermined(result, phrases.CRB65_UNDETERMINED) == {
        "total": ">=0",
        "scored": "3",
        "items": "4",
        "most": "1",
    }


def test_crb65_missing_items_that_cannot_leave_intermediate_keep_it() -> None:
    # 1 point and one missing item: at most 2, intermediate whatever it is
    result = crb65(**{**CRB65, "consciousness": "V", "resp_rate": None})  # type: ignore[arg-type]
    assert not result.complete and result.band == "intermediate"


def test_crb65_already_above_low_with_items_missing_is_intermediate() -> None:
    result = crb65(**{**CRB65, "age": 70.0, "resp_rate": None, "sbp": None})  # type: ignore[arg-type]
    assert not result.complete and result.band == "intermediate" and result.value == 1


def test_findrisc_complete_0_is_low() -> None:
    result = findrisc(**FINDRISC)  # type: ignore[arg-type]
    assert (result.complete, result.band, result.value) == (True, "low", 0)


def test_findrisc_missing_item_that_cannot_reach_7_is_low() -> None:
    # 5 points (BMI 27: 1, inactive: 2, BP medication: 2); fruit and vegetables add at most 1
    five = {**FINDRISC, "bmi": 27.0, "physically_active": False, "on_antihypertensives": True}
    result = findrisc(**{**five, "daily_fruit_veg": None})  # type: ignore[arg-type]
    assert not result.complete and result.value == 5 and result.band == "low"


def test_findrisc_missing_item_that_could_reach_7_is_not_low() -> None:
    five = {**FINDRISC, "bmi": 27.0, "physically_active": False, "on_antihypertensives": True}
    result = findrisc(**{**five, "history_high_glucose": None})  # type: ignore[arg-type]
    assert result.band == "incomplete" and result.value == 5
    found = _undetermined(result, phrases.FINDRISC_UNDETERMINED)
    assert found == {"total": ">=5", "scored": "7", "items": "8", "most": "5"}


def test_findrisc_waist_without_sex_counts_its_maximum() -> None:
    # 5 points; a waist without sex is unscored and could add 4
    five = {**FINDRISC, "bmi": 27.0, "physically_active": False, "on_antihypertensives": True}
    result = findrisc(**{**five, "sex": None})  # type: ignore[arg-type]
    assert result.band == "incomplete" and result.missing == ("sex",)


def test_findrisc_nothing_known_is_not_low() -> None:
    result = findrisc(**dict.fromkeys(FINDRISC))  # type: ignore[arg-type]
    assert result.band == "incomplete"
    assert _undetermined(result, phrases.FINDRISC_UNDETERMINED)["most"] == "26"


def test_findrisc_already_above_low_with_items_missing_keeps_its_band() -> None:
    result = findrisc(**{**FINDRISC, "history_high_glucose": True, "age": 50.0, "bmi": None})  # type: ignore[arg-type]
    assert not result.complete and result.value == 7 and result.band == "slightly_elevated"


def test_cdrs_complete_below_is_low() -> None:
    result = cdrs(**CDRS)  # type: ignore[arg-type]
    assert (result.complete, result.band, result.value) == (True, "low", 4)


def test_cdrs_missing_item_that_cannot_reach_25_is_low() -> None:
    result = cdrs(**{**CDRS, "sbp": None})  # type: ignore[arg-type]  # 4 + at most 10
    assert not result.complete and result.band == "low"
    assert result.detail.startswith("CDRS >=4: below the OGTT screening threshold of 25")


def test_cdrs_missing_item_that_could_reach_25_is_not_low() -> None:
    # age 60: 16, male: 2; the waist could add 10
    inputs: dict[str, Any] = {**CDRS, "age": 60.0, "sex": "male", "waist_cm": None}
    result = cdrs(**inputs)
    assert result.band == "incomplete" and result.value == 18
    assert "below" not in result.detail
    found = _undetermined(result, phrases.CDRS_UNDETERMINED)
    assert found == {"total": ">=18", "scored": "5", "items": "6", "most": "10"}


def test_cdrs_already_reached_with_an_item_missing_is_high() -> None:
    inputs: dict[str, Any] = {**CDRS, "age": 65.0, "sex": "male", "bmi": 31.0, "waist_cm": None}
    result = cdrs(**inputs)  # 18 + 2 + 5
    assert not result.complete and result.value == 25 and result.band == "high"


NEWS2 = {
    "resp_rate": 16.0,
    "spo2": 97.0,
    "on_oxygen": False,
    "sbp": 120.0,
    "heart_rate": 70.0,
    "consciousness": "A",
    "temperature": 37.0,
}


def test_news2_complete_0_is_low() -> None:
    result = news2(**NEWS2)  # type: ignore[arg-type]
    assert (result.complete, result.band, result.value) == (True, "low", 0)


@pytest.mark.parametrize(("absent", "most"), [("temperature", "3"), ("supplemental_o2", "2")])
def test_news2_0_with_a_parameter_missing_is_not_low(absent: str, most: str) -> None:
    # every NEWS2 parameter can score (air/oxygen 2, the rest 3): 0 with one missing is not "low"
    result = news2(**{**NEWS2, "on_oxygen" if absent == "supplemental_o2" else absent: None})  # type: ignore[arg-type]
    assert result.band == "incomplete" and result.missing == (absent,)
    assert "routine monitoring" not in result.detail
    found = _undetermined(result, phrases.NEWS2_UNDETERMINED)
    assert found == {"total": ">=0", "scale": "1", "scored": "6", "items": "7", "most": most}


def test_news2_already_above_0_with_a_parameter_missing_keeps_its_band() -> None:
    result = news2(**{**NEWS2, "heart_rate": 95.0, "temperature": None})  # type: ignore[arg-type]
    assert not result.complete and result.value == 1 and result.band == "low_elevated"


def test_blood_pressure_complete_normal_is_normal() -> None:
    result = blood_pressure(age=None, sbp=110.0, dbp=70.0)
    assert (result.complete, result.band) == (True, "normal")


@pytest.mark.parametrize(("sbp", "dbp"), [(110.0, None), (None, 70.0), (130.0, None), (None, 85.0)])
def test_blood_pressure_below_grade_1_with_a_pressure_missing_is_not_normal(
    sbp: float | None, dbp: float | None
) -> None:
    # the missing pressure could be in any grade: no "normal" or "high normal" from one pressure
    result = blood_pressure(age=None, sbp=sbp, dbp=dbp)
    assert result.band == "incomplete" and not result.complete and len(result.missing) == 1
    assert phrases.BLOOD_PRESSURE_UNDETERMINED.match(result.detail) is not None, result.detail
    assert "normal" not in result.detail


@pytest.mark.parametrize(("sbp", "dbp", "band"), [(150.0, None, "grade_1"), (None, 112.0, "grade_3")])
def test_blood_pressure_grade_1_or_more_from_one_pressure_is_that_grade(
    sbp: float | None, dbp: float | None, band: str
) -> None:
    result = blood_pressure(age=None, sbp=sbp, dbp=dbp)
    assert result.band == band and not result.complete and "at least this grade" in result.detail
