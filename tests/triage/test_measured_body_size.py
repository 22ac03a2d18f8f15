"""The BMI the diabetes risk scores (CDRS, FINDRISC) read: measured readings win over what the
patient context states (docs/assessment.md, "Patient context"). They did not: a weight measured
today (a Bluetooth scale sends the weight alone) was ignored when the context stated the height -
BMI missing, both scores a lower bound - and when the context stated a weight too its stated BMI was
scored: a man stated at 60 kg, weighed at 95 kg, 170 cm, scored BMI 20.8 (0 points) and CDRS 23,
"low", where his measured BMI of 32.9 gives 5 points, CDRS 28 and an OGTT offer.

The real engine with the built-in policy."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy

# 40 years (11), male (2), waist 85 cm (7), 120 mmHg (3), no family history (0): CDRS 23 + BMI points
MAN = {"age": 40, "sex": "male", "family_history_diabetes": "none"}
READINGS = [ob("waist", 85), ob("sbp", 120), ob("dbp", 78)]


def scored(context: dict[str, object], body: list[Observation]) -> Assessment:
    return assess(PatientContext.model_validate(MAN | context), READINGS + body, load_policy(), now=NOW)


@pytest.mark.parametrize(
    "context",
    [
        {"height_cm": 170},
        {"height_cm": 170, "weight_kg": 60},
        {"height_cm": 170, "weight_kg": 60, "bmi": 20.8},
    ],
)
def test_a_measured_weight_wins_over_the_stated_one_with_the_stated_height(
    context: dict[str, object],
) -> None:
    a = scored(context, [ob("weight", 95)])  # 95 / 1.70^2 = 32.9
    assert (a.scores["cdrs"].components["bmi"], a.scores["findrisc"].components["bmi"]) == (5, 3)
    assert a.scores["cdrs"].value == 28 and a.scores["cdrs"].band == "high" and "bmi" not in a.missing_inputs
    assert "diabetes_risk_high" in [r.rule for r in a.reasons]


def test_a_measured_height_and_weight_win_over_a_stated_bmi() -> None:
    a = scored({"bmi": 20.8}, [ob("weight", 95), ob("height", 170)])
    assert a.scores["cdrs"].components["bmi"] == 5


def test_a_measured_bmi_wins_over_everything() -> None:
    a = scored({"height_cm": 170, "weight_kg": 95}, [ob("bmi", 21.0), ob("weight", 95)])
    assert a.scores["cdrs"].components["bmi"] == 0


def test_a_weight_without_any_height_leaves_the_stated_bmi() -> None:
    a = scored({"bmi": 20.8}, [ob("weight", 95)])
    assert a.scores["cdrs"].components["bmi"] == 0 and a.scores["cdrs"].value == 23
    assert a.scores["cdrs"].band == "low" and "diabetes_risk_high" not in [r.rule for r in a.reasons]


def test_the_stated_size_alone_is_scored_as_before() -> None:
    assert scored({"height_cm": 170, "weight_kg": 95}, []).scores["cdrs"].components["bmi"] == 5
    assert scored({"bmi": 20.8, "height_cm": 170, "weight_kg": 95}, []).scores["cdrs"].components["bmi"] == 0
