"""A glycaemia reason in the Assessment JSON reads like the others: the reading by name with its
unit first, then what to do, then when it was measured ("random glucose 2.6 mmol/L: below the
critical low (<3.0 mmol/L, 54 mg/dL): ...; refer urgently (same day); measured ...") - not the
action first and the reading by its code ("...: glucose_random 2.6 mmol/L"); the noun is said once
(so for the eGFR)."""

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


@pytest.mark.parametrize(
    ("rule", "patient", "readings", "sentence"),
    [
        (
            "glucose_critical_low",
            PatientContext(age=50),
            [ob("glucose_random", 2.9)],
            "random glucose 2.9 mmol/L: below the critical low (<3.0 mmol/L, 54 mg/dL): treat now",
        ),
        (  # shown as 3.0 mmol/L, below 54 mg/dL: the limit it was compared with is named
            "glucose_critical_low",
            PatientContext(age=50),
            [ob("glucose_random", 53.9, "mg/dL")],
            "random glucose 3.0 mmol/L (reported 53.9 mg/dL): below the critical low (<3.0 mmol/L, 54 mg/dL)",
        ),
        (
            "glucose_critical_high",
            PatientContext(age=50),
            [ob("glucose_fasting", 25)],
            "fasting glucose 25 mmol/L: above the critical high (>22.2 mmol/L): check ketones",
        ),
        (
            "glucose_hhs_range",
            PatientContext(age=50),
            [ob("glucose_random", 35)],
            "random glucose 35 mmol/L: in the HHS range (>=33.3 mmol/L, 600 mg/dL): suspected HHS",
        ),
        (
            "egfr_below_30",
            PatientContext(age=55, sex="male"),
            [ob("egfr", 25)],
            "eGFR 25 mL/min/1.73m2 (G4): below 30: refer urgently",
        ),
        (
            "egfr_30_59",
            PatientContext(age=55, sex="male"),
            [ob("egfr", 45)],
            "eGFR 45 mL/min/1.73m2 (G3a): 30-59: refer (non-emergency)",
        ),
        (  # with the ACR between them, the eGFR is named again: "(A2): 30-59" would read as the ACR's
            "egfr_30_59",
            PatientContext(age=55, sex="male"),
            [ob("egfr", 45), ob("albumin_creatinine_ratio", 40)],
            "ACR 40 mg/g (A2): eGFR 30-59: refer (non-emergency)",
        ),
    ],
)
def test_the_reason_names_its_reading_once(
    rule: str, patient: PatientContext, readings: list[Any], sentence: str
) -> None:
    payload = json.loads(assess(patient, readings, ALL_ON, now=NOW).model_dump_json())
    (detail,) = [r["detail"] for r in payload["reasons"] if r["rule"] == rule]
    assert sentence in detail, detail
    noun = "eGFR" if rule.startswith("egfr") else "glucose"
    said = detail.replace("fast-acting glucose", "")  # the treatment, not the reading
    assert said.count(noun) == (2 if "ACR" in detail else 1), detail
