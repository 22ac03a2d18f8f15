"""glucose_diabetes_range in known diabetes speaks of control against the individual target (ADA
2025 s6; 中国2型糖尿病防治指南 2020: HbA1c <7.0 % for most adults), not of a diagnosis to confirm;
without known diabetes it stays "suspected; confirm". Routing is local care either way."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText


def _assessed(diabetes: bool | None, code: str = "hba1c", value: float = 7.0) -> dict[str, Any]:
    a = assess(PatientContext(age=55, diabetes=diabetes), [ob(code, value, None)], ALL_ON, now=NOW)
    payload: dict[str, Any] = json.loads(a.model_dump_json())
    return payload


def _reason(payload: dict[str, Any]) -> dict[str, Any]:
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "glucose_diabetes_range"]
    return reason


@pytest.mark.parametrize(
    ("code", "value"), [("hba1c", 7.0), ("glucose_fasting", 8.0), ("glucose_random", 12.0)]
)
def test_known_diabetes_is_control_not_diagnosis(code: str, value: float) -> None:
    payload = _assessed(True, code, value)
    reason = _reason(payload)
    # the reading first, by name, then what to do (was "known diabetes: ...: hba1c 7 %")
    name = {"hba1c": "HbA1c 7 %", "glucose_fasting": "fasting glucose 8 mmol/L"}.get(
        code, "random glucose 12 mmol/L"
    )
    assert reason["detail"].startswith(
        f"{name}: known diabetes: glycaemic control, not a diagnosis - review treatment"
    )
    assert "HbA1c <7.0 %, non-fasting glucose <10.0 mmol/L for most adults" in reason["detail"]
    assert "suspected" not in reason["detail"] and "confirm" not in reason["detail"]
    assert reason["values"]["diabetes_range"] == "known_diabetes"
    assert payload["disposition"] == "local_care"
    en = EngineText("en", payload).rule_detail(reason)
    zh = EngineText("zh", payload).rule_detail(reason)
    assert en.startswith("known diabetes: glycaemic control") and "suspected" not in en
    assert zh.startswith("已知糖尿病：属血糖控制问题而非诊断") and "疑似" not in zh


@pytest.mark.parametrize("diabetes", [False, None])
def test_without_known_diabetes_it_is_suspected_and_to_confirm(diabetes: bool | None) -> None:
    payload = _assessed(diabetes)
    reason = _reason(payload)
    assert reason["detail"].startswith(
        "HbA1c 7 %: diabetes-range result (suspected; confirm with a repeat laboratory test)"
    )
    assert reason["values"]["diabetes_range"] == "suspected"
    assert payload["disposition"] == "local_care"
    assert "疑似" in EngineText("zh", payload).rule_detail(reason)
