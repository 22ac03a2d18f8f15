"""Under 13 with one pressure missing the engine's JSON says so, as the staff page does: "205/?
mmHg: not graded at age 10 years (single reading; one pressure missing) - ..." (it said only
"(single reading)"), the score's detail and every reason written from it; still no grade claimed."""

from __future__ import annotations

import json

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText


@pytest.mark.parametrize(
    ("readings", "crisis"),
    [({"sbp": 205}, True), ({"dbp": 125}, True), ({"sbp": 150}, False), ({"dbp": 70}, False)],
)
def test_a_childs_json_says_a_pressure_is_missing(readings: dict[str, float], crisis: bool) -> None:
    observations = [ob(code, value) for code, value in readings.items()]
    payload = json.loads(assess(PatientContext(age=10), observations, ALL_ON, now=NOW).model_dump_json())
    score = payload["scores"]["blood_pressure"]
    assert score["band"] == "not_applicable" and score["missing"] == [
        c for c in ("sbp", "dbp") if c not in readings
    ]
    assert "not graded at age 10 years (single reading; one pressure missing) - under 13" in score["detail"]
    assert ("hypertensive crisis range" in score["detail"]) is crisis
    reasons = [r for r in payload["reasons"] if r["values"].get("sbp", 0) or r["values"].get("dbp", 0)]
    assert bool(reasons) is crisis
    for reason in [r for r in reasons if r["rule"] != "bp_adolescent_severe"]:  # it names the age band
        assert "(single reading; one pressure missing)" in reason["detail"], reason["detail"]
        assert "grade (" not in reason["detail"] and "at least" not in reason["detail"]
    # the staff page, both languages: the score's detail through its phrase
    assert EngineText("en").score_detail("blood_pressure", score) == score["detail"].replace(">=", "≥")
    assert "（单次测量；缺少一项血压）" in EngineText("zh").score_detail("blood_pressure", score)


def test_both_pressures_is_a_single_reading_only() -> None:
    observations = [ob("sbp", 205), ob("dbp", 100)]
    payload = json.loads(assess(PatientContext(age=10), observations, ALL_ON, now=NOW).model_dump_json())
    assert "(single reading) - under 13" in payload["scores"]["blood_pressure"]["detail"]
