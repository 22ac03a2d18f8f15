"""A glycaemia reason in the Assessment JSON reads like the others: the reading by name with its
unit first, then what to do, then when it was measured ("random glucose 2.6 mmol/L: glucose below
the critical low: ...; refer urgently (same day); measured ...") - not the action first and the
reading by its code ("...: glucose_random 2.6 mmol/L")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText

CODES = ("glucose_random", "glucose_fasting", "hba1c", "urine_ketones")


@pytest.mark.parametrize(
    ("rule", "readings", "reading", "action"),
    [
        ("glucose_critical_low", [ob("glucose_random", 2.6)], "random glucose 2.6 mmol/L", "refer urgently"),
        ("glucose_critical_high", [ob("glucose_fasting", 25)], "fasting glucose 25 mmol/L", "refer urgently"),
        (
            "glucose_hhs_range",
            [ob("glucose_random", ">600", "mg/dL")],
            "random glucose >33.3 mmol/L (reported >600 mg/dL)",
            "refer urgently",
        ),
        ("hypoglycaemia_level1", [ob("glucose_random", 3.5)], "random glucose 3.5 mmol/L", "re-check"),
        ("glucose_diabetes_range", [ob("hba1c", 6.8)], "HbA1c 6.8 %", "confirm"),
        (
            "ketones_with_hyperglycaemia",
            [ob("glucose_random", 12), ob("urine_ketones", "2+")],
            "random glucose 12 mmol/L, urine ketones 2+ (dipstick)",
            "refer urgently",
        ),
    ],
)
def test_the_reading_comes_first_by_name_then_the_action_then_the_time(
    rule: str, readings: list[Any], reading: str, action: str
) -> None:
    payload = json.loads(assess(PatientContext(age=50), readings, ALL_ON, now=NOW).model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == rule]
    detail = reason["detail"]
    assert detail.startswith(reading + ": "), detail
    head, _, when = detail.rpartition("; measured ")
    assert when and action in head[len(reading) :], detail
    assert not any(code in detail for code in CODES), detail
    # the staff page names it too (from its own template, unchanged)
    assert not any(code in EngineText("en", payload).detail(reason) for code in CODES)
    zh = EngineText("zh", payload)
    assert all(zh.label(code) in zh.detail(reason) for code in CODES if code in reason["values"]), zh.detail(
        reason
    )
