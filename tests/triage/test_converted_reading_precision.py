"""A converted reading in the Assessment JSON is given to the decimals a laboratory reports in the
canonical unit ("HbA1c 7.8 % (reported 62 mmol/mol)", not "7.823 %"), with the value as reported;
the engine keeps the unrounded value to score with."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.units import _CONVERSIONS


@pytest.mark.parametrize(
    ("rule", "readings", "shown"),
    [
        (
            "glucose_critical_low",
            [ob("glucose_random", 53, "mg/dL")],
            "random glucose 2.9 mmol/L (reported 53 mg/dL)",
        ),
        (
            "glucose_diabetes_range",
            [ob("glucose_fasting", 140, "mg/dL")],
            "fasting glucose 7.8 mmol/L (reported 140 mg/dL)",
        ),
        ("glucose_diabetes_range", [ob("hba1c", 62, "mmol/mol")], "HbA1c 7.8 % (reported 62 mmol/mol)"),
        (
            "total_cholesterol_above_8",
            [ob("total_cholesterol", 330, "mg/dL")],
            "total cholesterol 8.53 mmol/L (reported 330 mg/dL)",
        ),
        (
            "news2_red_parameter",
            [ob("temperature", 94.5, "[degF]")],
            "temperature 34.7 Cel (reported 94.5 [degF])",
        ),
        (
            "news2_red_parameter",
            [ob("sbp", 11.9, "kPa"), ob("dbp", 8.1, "kPa")],
            "sbp 89 mm[Hg] (reported 11.9 kPa)",
        ),
        (
            "crb65_intermediate",
            [ob("sbp", 16, "kPa"), ob("dbp", 7.9, "kPa")],
            "dbp 59 mmHg (reported 7.9 kPa)",
        ),
    ],
)
def test_a_reason_gives_a_converted_reading_to_its_laboratory_decimals(
    rule: str, readings: list[Observation], shown: str
) -> None:
    payload = json.loads(assess(PatientContext(age=50), readings, ALL_ON, now=NOW).model_dump_json())
    details = [r["detail"] for r in payload["reasons"] if r["rule"] == rule]
    assert details and shown in details[0], (shown, details)


# every converted code: (value, unit as received, as shown in the canonical unit)
CONVERTED: dict[str, tuple[float, str, str]] = {
    "glucose_fasting": (140, "mg/dL", "7.8 mmol/L"),
    "glucose_random": (53, "mg/dL", "2.9 mmol/L"),
    "hba1c": (62, "mmol/mol", "7.8 %"),
    "total_cholesterol": (330, "mg/dL", "8.53 mmol/L"),
    "hdl_cholesterol": (45, "mg/dL", "1.16 mmol/L"),
    "ldl_cholesterol": (130, "mg/dL", "3.36 mmol/L"),
    "triglycerides": (150, "mg/dL", "1.69 mmol/L"),
    "creatinine": (1.3, "mg/dL", "115 umol/L"),
    "hemoglobin": (13.65, "g/dL", "137 g/L"),  # 136.5: a half rounds up
    "temperature": (101.5, "[degF]", "38.6 Cel"),
    "sbp": (11.9, "kPa", "89 mm[Hg]"),
    "dbp": (8.1, "kPa", "61 mm[Hg]"),
    "weight": (154.3, "[lb_av]", "70.0 kg"),
    "height": (67.3, "[in_i]", "170.9 cm"),
    "albumin_creatinine_ratio": (3, "mg/mmol", "26.5 mg/g"),
}


def test_every_converted_code_is_covered() -> None:
    assert set(CONVERTED) == {code for code, _ in _CONVERSIONS}


@pytest.mark.parametrize("code", CONVERTED)
def test_an_unused_converted_reading_is_given_to_its_laboratory_decimals(code: str) -> None:
    value, unit, shown = CONVERTED[code]
    reading = ob(code, value, unit, qc=True)
    payload: dict[str, Any] = json.loads(
        assess(PatientContext(age=50), [reading], ALL_ON, now=NOW).model_dump_json()
    )
    (ignored,) = [i for i in payload["ignored_observations"] if i["code"] == code]
    assert ignored["value"] == f"{shown} (reported {value:g} {unit})"
    # scored unrounded - but a pressure: a kPa reading is the whole mmHg it stands for
    # (tests/triage/test_kpa_pressure_cut_points.py)
    assert reading.value is not None and (f"{reading.value:g}" not in shown or code in ("sbp", "dbp"))


def test_a_censored_converted_reading_keeps_its_comparator() -> None:
    assert ob("glucose_random", ">600", "mg/dL").display_value() == ">33.3 mmol/L (reported >600 mg/dL)"
