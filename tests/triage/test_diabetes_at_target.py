"""In known diabetes an HbA1c of 6.5-6.9 % is within the general target (ADA Standards of Care 2025
s6 and 中国2型糖尿病防治指南 2020: HbA1c <7.0 % for most non-pregnant adults): the reason says so and
to continue, not to "review treatment against the target" it already meets. 7.0 % (53 mmol/mol,
compared as reported: it converts to 6.9995 %) and above, or a glucose in the diabetes range, is
still control to review."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.service.pages.engine_text import EngineText


def _reason(
    readings: list[Observation], diabetes: bool | None = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    a = assess(PatientContext(age=55, diabetes=diabetes), readings, ALL_ON, now=NOW)
    payload: dict[str, Any] = json.loads(a.model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "glucose_diabetes_range"]
    return payload, reason


@pytest.mark.parametrize(
    ("value", "unit", "kind"),
    [
        (6.5, None, "known_diabetes_at_target"),
        (6.9, None, "known_diabetes_at_target"),
        (7.0, None, "known_diabetes"),
        (52, "mmol/mol", "known_diabetes_at_target"),
        (53, "mmol/mol", "known_diabetes"),
    ],
)
def test_an_hba1c_below_7_in_known_diabetes_is_within_the_target(
    value: float, unit: str | None, kind: str
) -> None:
    payload, reason = _reason([ob("hba1c", value, unit)])
    assert reason["values"]["diabetes_range"] == kind, reason
    assert payload["disposition"] == "local_care"
    if kind == "known_diabetes_at_target":
        assert (
            "within the general target (HbA1c <7.0 %, fasting glucose 4.4-7.0 mmol/L for most adults): continue"
            in reason["detail"]
        )
        assert "review treatment" not in reason["detail"]
    else:
        assert "review treatment against the individual target" in reason["detail"]
    for language in ("en", "zh"):
        shown = EngineText(language, payload).rule_detail(reason)
        assert ("continue" if language == "en" else "维持当前管理") in shown or kind == "known_diabetes", (
            shown
        )
    assert not english_left(EngineText("zh", payload).detail(reason)), reason


@pytest.mark.parametrize(("fasting", "kind"), [(7.0, "known_diabetes_at_target"), (7.1, "known_diabetes")])
def test_a_fasting_glucose_of_7_0_is_the_top_of_the_target(fasting: float, kind: str) -> None:
    """中国2型糖尿病防治指南 2020: fasting 4.4-7.0 mmol/L; 7.0 is in the diagnostic diabetes range."""
    _, reason = _reason([ob("glucose_fasting", fasting)])
    assert reason["values"]["diabetes_range"] == kind


def test_a_diabetes_range_glucose_beside_an_hba1c_at_target_is_still_to_review() -> None:
    _, reason = _reason([ob("hba1c", 6.8), ob("glucose_random", 12.0)])
    assert reason["values"]["diabetes_range"] == "known_diabetes"


def test_without_known_diabetes_6_5_is_still_suspected() -> None:
    _, reason = _reason([ob("hba1c", 6.5)], diabetes=None)
    assert reason["values"]["diabetes_range"] == "suspected"


@pytest.mark.parametrize(
    ("value", "unit", "kind"),
    [
        (9.9, None, None),
        (10.0, None, "known_diabetes"),
        (11.0, None, "known_diabetes"),
        (11.1, None, "known_diabetes"),
        (179, "mg/dL", None),
        (180, "mg/dL", "known_diabetes"),
    ],
)
def test_a_random_glucose_from_10_0_is_above_the_non_fasting_target(
    value: float, unit: str | None, kind: str | None
) -> None:
    """中国2型糖尿病防治指南 2020: non-fasting glucose <10.0 mmol/L (180 mg/dL, compared as reported).
    A known diabetic at 10.0-11.0 mmol/L - below the diabetes range (11.1) - reached no rule."""
    a = assess(PatientContext(age=55, diabetes=True), [ob("glucose_random", value, unit)], ALL_ON, now=NOW)
    payload: dict[str, Any] = json.loads(a.model_dump_json())
    found = [r for r in payload["reasons"] if r["rule"] == "glucose_diabetes_range"]
    assert [r["values"]["diabetes_range"] for r in found] == ([] if kind is None else [kind])
    assert payload["disposition"] == "local_care"
    if found:
        assert found[0]["detail"].startswith("random glucose ") and ": known diabetes: " in found[0]["detail"]
        assert "non-fasting glucose <10.0 mmol/L" in found[0]["detail"]
        zh = EngineText("zh", payload).rule_detail(found[0])
        assert "非空腹血糖 <10.0 mmol/L" in zh and not english_left(
            EngineText("zh", payload).detail(found[0])
        )


@pytest.mark.parametrize("diabetes", [False, None])
def test_a_random_glucose_of_10_5_without_known_diabetes_reaches_no_rule(diabetes: bool | None) -> None:
    reasons = assess(
        PatientContext(age=55, diabetes=diabetes), [ob("glucose_random", 10.5)], ALL_ON, now=NOW
    ).reasons
    assert "glucose_diabetes_range" not in {r.rule for r in reasons}


def test_a_fasting_glucose_at_target_with_a_random_one_above_it_is_control_to_review() -> None:
    _, reason = _reason([ob("glucose_fasting", 7.0), ob("glucose_random", 10.2)])
    assert reason["values"]["diabetes_range"] == "known_diabetes"
