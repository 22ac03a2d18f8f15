"""A censored reading keeps its comparator wherever a score's detail or a reason shows it: a cuff
reporting a systolic ">250" showed "250/100 mmHg" in the blood-pressure score and every BP reason
built on it (the score printed the number it scored, just past the bound), an oximeter's "<70" %
"SpO2 70 %", and an ACR ">300" mg/g "ACR 300 mg/g (A3)" - where 300 itself is A2. The staff pages
showed the kidney readings without it too (en and zh)."""

from __future__ import annotations

import json

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.pages.engine_text import EngineText

POLICY = load_policy()


def _assess(readings: list[Observation], **patient: object) -> Assessment:
    return assess(PatientContext.model_validate(patient), readings, POLICY, now=NOW)


@pytest.mark.parametrize(
    ("readings", "patient", "score", "shown", "rule"),
    [
        (
            [ob("sbp", ">250"), ob("dbp", 100)],
            {"age": 50},
            "blood_pressure",
            ">250/100 mmHg",
            "hypertensive_crisis",
        ),
        (
            [ob("sbp", ">250"), ob("dbp", 100)],
            {"age": 50},
            "blood_pressure",
            ">250/100 mmHg",
            "bp_hearts_urgent",
        ),
        ([ob("sbp", ">250"), ob("dbp", 100)], {"age": 50}, "blood_pressure", ">250/100 mmHg", "bp_grade_3"),
        ([ob("dbp", ">130")], {"age": 15}, "blood_pressure", "?/>130 mmHg", "bp_adolescent_stage_2"),
        ([ob("sbp", ">250")], {"age": 8}, "blood_pressure", ">250/? mmHg", "hypertensive_crisis"),
        ([ob("sbp", 150), ob("dbp", "<60")], {"age": 50}, "blood_pressure", "150/<60 mmHg", "bp_grade_1_2"),
        ([ob("spo2", "<70")], {}, "oximetry", "SpO2 <70 %", "spo2_critical"),
        ([ob("albumin_creatinine_ratio", ">300")], {}, "kidney", "ACR >300 mg/g (A3)", "albuminuria"),
        (
            [ob("albumin_creatinine_ratio", ">300"), ob("creatinine", 80)],
            {"age": 50, "sex": "male"},
            "kidney",
            "ACR >300 mg/g (A3)",
            "albuminuria",
        ),
    ],
)
def test_the_score_and_the_reasons_show_the_comparator(
    readings: list[Observation], patient: dict[str, object], score: str, shown: str, rule: str
) -> None:
    a = _assess(readings, **patient)
    assert shown in a.scores[score].detail, a.scores[score].detail
    (reason,) = [r for r in a.reasons if r.rule == rule]
    assert shown in reason.detail, reason.detail


@pytest.mark.parametrize(
    ("readings", "shown"),
    [
        ([ob("sbp", 250), ob("dbp", 100)], "250/100 mmHg"),
        ([ob("spo2", 70)], "SpO2 70 %"),
        ([ob("albumin_creatinine_ratio", 301)], "ACR 301 mg/g (A3)"),
    ],
)
def test_an_uncensored_reading_is_shown_as_it_is(readings: list[Observation], shown: str) -> None:
    a = _assess(readings, age=50)
    details = [s.detail for s in a.scores.values()]
    assert any(d.startswith(shown) or f" {shown}" in d for d in details), details
    assert not any(f"<{shown}" in d or f">{shown}" in d for d in details), details


@pytest.mark.parametrize(
    ("readings", "rule", "en", "zh"),
    [
        ([ob("albumin_creatinine_ratio", ">300")], "albuminuria", "ACR >300 mg/g", "ACR >300 mg/g"),
        ([ob("egfr", "<15")], "egfr_below_30", "eGFR <15 mL/min", "eGFR <15 mL/min"),
        (
            [ob("sbp", ">250"), ob("dbp", 100)],
            "hypertensive_crisis",
            "BP >250/100 mmHg",
            "血压 >250/100 mmHg",
        ),
    ],
)
def test_the_staff_pages_show_the_comparator_in_both_languages(
    readings: list[Observation], rule: str, en: str, zh: str
) -> None:
    payload = json.loads(_assess(readings, age=50, sex="male").model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == rule]
    assert en in EngineText("en", payload).rule_detail(reason)
    assert zh in EngineText("zh", payload).rule_detail(reason)


def test_an_egfr_computed_from_a_censored_creatinine_does_not_take_its_comparator() -> None:
    payload = json.loads(_assess([ob("creatinine", ">1000")], age=50, sex="male").model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "egfr_below_30"]
    for language, creatinine in (("en", "creatinine >1000 µmol/L"), ("zh", "肌酐 >1000 μmol/L")):
        shown = EngineText(language, payload).rule_detail(reason)
        assert creatinine in shown and "eGFR 5 mL/min" in shown, shown


@pytest.mark.parametrize(
    ("reading", "shown"),
    [
        (ob("sbp", ">250"), "sbp >250 mmHg is outside"),
        (ob("total_cholesterol", ">500", "mg/dL"), "total_cholesterol >500 mg/dL is outside"),
        (ob("sbp", 250), "sbp 250 mmHg is outside"),
    ],
)
def test_the_pooled_cohort_equations_name_an_input_outside_their_range_as_read(
    reading: Observation, shown: str
) -> None:
    """The PCE's 'outside the equations' range' named a cuff's '>250' as 'sbp 250 mmHg'."""
    detail = _assess([reading], age=50, sex="male").scores["pce"].detail
    assert detail.startswith(shown), detail
