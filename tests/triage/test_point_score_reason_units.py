"""The qSOFA and CRB-65 reasons name the items that scored with their readings, and wrote each
reading's unit in UCUM - "scoring: resp_rate 22 /min, sbp 100 mm[Hg]" - where every other reason a
clinician reads says "mmHg" (``triage.phrases.MODEL_UNITS``). They now say "sbp 100 mmHg", for a
reading as measured, a censored one and one converted from kPa (the reported value keeps its own
unit); the other items keep theirs ("/min", "years", a consciousness level without one), and the
staff pages say mmHg in English and in Chinese."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText


def _scoring(rule: str, readings: list[Observation], age: float = 70) -> tuple[str, dict[str, Any]]:
    payload = json.loads(assess(PatientContext(age=age), readings, ALL_ON, now=NOW).model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == rule]
    # up to the action's bracket, or a deference's clause
    return reason["detail"].split("; scoring: ", 1)[1].split(" (", 1)[0].split(";", 1)[0], payload


@pytest.mark.parametrize(
    ("rule", "readings", "said"),
    [
        ("qsofa_high", [ob("resp_rate", 22), ob("sbp", 100)], "resp_rate 22 /min, sbp 100 mmHg"),
        (
            "qsofa_high",
            [ob("resp_rate", 22), ob("sbp", 100), ob("consciousness", "V")],
            "resp_rate 22 /min, consciousness V, sbp 100 mmHg",
        ),
        ("qsofa_high", [ob("resp_rate", 22), ob("sbp", "<90")], "resp_rate 22 /min, sbp <90 mmHg"),
        (
            "crb65_high",
            [ob("resp_rate", 30), ob("sbp", 89), ob("dbp", 60)],
            "resp_rate 30 /min, sbp 89 mmHg, dbp 60 mmHg, age 70 years",
        ),
        ("crb65_intermediate", [ob("sbp", 120), ob("dbp", 55)], "dbp 55 mmHg, age 70 years"),
    ],
)
def test_the_items_that_scored_say_mmhg(rule: str, readings: list[Observation], said: str) -> None:
    scoring, _ = _scoring(rule, readings)
    assert scoring == said


def test_a_pressure_converted_from_kpa_says_mmhg_and_keeps_the_reported_unit() -> None:
    scoring, _ = _scoring("crb65_intermediate", [ob("sbp", 16, "kPa"), ob("dbp", 7.9, "kPa")], age=50)
    assert scoring == "dbp 59 mmHg"  # the bracket after it: its reported value
    payload = json.loads(
        assess(
            PatientContext(age=50), [ob("sbp", 16, "kPa"), ob("dbp", 7.9, "kPa")], ALL_ON, now=NOW
        ).model_dump_json()
    )
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "crb65_intermediate"]
    assert "; scoring: dbp 59 mmHg (reported 7.9 kPa)" in reason["detail"]
    assert "mm[Hg]" not in reason["detail"]


@pytest.mark.parametrize(("language", "said"), [("en", "100 mmHg"), ("zh", "100 mmHg")])
def test_the_staff_pages_say_mmhg_in_both_languages(language: str, said: str) -> None:
    _, payload = _scoring("qsofa_high", [ob("resp_rate", 22), ob("sbp", 100)])
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "qsofa_high"]
    text = EngineText(language, payload)
    for shown in (text.rule_detail(reason), text.detail(reason)):
        assert said in shown and "mm[Hg]" not in shown, shown
