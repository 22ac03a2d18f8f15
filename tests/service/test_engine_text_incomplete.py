"""Incomplete scores on the staff pages in both languages: a band the missing items could still lift
is "not determined", never "low" or "normal", and the detail says what the missing items could add."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import normal_vitals, ob
from tests.triage.test_rules import ALL_ON
from triage.observation import Observation
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        ("qsofa", [ob("consciousness", "V"), ob("sbp", 120)]),
        ("crb65", [ob("consciousness", "A"), ob("sbp", 120), ob("dbp", 80)]),
    ],
)
def test_an_incomplete_score_that_could_reach_its_threshold_is_not_shown_low(
    name: str, readings: list[Observation]
) -> None:
    """The staff pages say the band is not determined and what the missing items could add, in
    both languages - never "low" for a lower bound the missing items could still lift."""
    score = _payload(PatientContext(age=50), readings, ALL_ON)["scores"][name]
    assert score["band"] == "incomplete"
    en, zh = EngineText("en"), EngineText("zh")
    assert en.score_band(name, score) == "not determined (items missing)"
    assert zh.score_band(name, score) == "无法判定（缺少项目）"
    assert "cannot rule out" in en.score_detail(name, score)
    assert "不能排除" in zh.score_detail(name, score) and "low" not in zh.score_detail(name, score)


def test_a_g2_egfr_without_an_acr_says_ckd_is_not_established_in_both_languages() -> None:
    score = _payload(PatientContext(age=50, sex="male"), [ob("egfr", 75)], ALL_ON)["scores"]["kidney"]
    assert score["missing"] == ["albumin_creatinine_ratio"]
    assert "CKD cannot be established" in EngineText("en").score_detail("kidney", score)
    assert "无法确立或分期慢性肾脏病" in EngineText("zh").score_detail("kidney", score)


def test_news2_0_with_a_parameter_missing_is_not_shown_low_in_both_languages() -> None:
    vitals = [o for o in normal_vitals() if o.code != "temperature"]
    score = _payload(PatientContext(age=50), vitals, ALL_ON)["scores"]["news2"]
    assert score["band"] == "incomplete" and score["missing"] == ["temperature"]
    assert EngineText("en").score_band("news2", score) == "not determined (parameters missing)"
    assert EngineText("zh").score_band("news2", score) == "无法判定（缺少参数）"
    assert "不能排除" in EngineText("zh").score_detail("news2", score)


def test_one_pressure_below_grade_1_is_not_shown_normal_in_both_languages() -> None:
    score = _payload(PatientContext(age=50), [ob("sbp", 118)], ALL_ON)["scores"]["blood_pressure"]
    assert score["band"] == "incomplete" and score["missing"] == ["dbp"]
    assert EngineText("en").score_band("blood_pressure", score) == "not determined (one pressure missing)"
    assert EngineText("zh").score_band("blood_pressure", score) == "无法判定（缺少一项血压）"
    assert "缺少一项血压，可能为任何级别" in EngineText("zh").score_detail("blood_pressure", score)
