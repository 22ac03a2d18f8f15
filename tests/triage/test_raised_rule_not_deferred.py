"""A lower rule a clinic raised above the rule it defers to says its own finding and action, not
"supporting evidence for <that rule> - its action applies, not this rule's" (``triage.rule_precedence``).

A clinic may raise a rule that is no red flag. With ``bp_grade_1_2`` set to an emergency transfer, a
woman at 30 weeks at 150/95 mmHg was an emergency transfer whose deciding reason read "150/95 mmHg:
grade 1 range (single reading); bp_grade_1_2: supporting evidence for pregnancy_hypertension, which
fired on this pressure too - its action applies, not this rule's" - pointing to an urgent referral:
the reason that set the disposition disowned it. So with ``glucose_diabetes_range`` raised beside
``glucose_critical_high``. A raised rule now keeps its own finding and action, as ``albuminuria`` set
to an emergency transfer already did (``_ONLY_WHEN``, ``leaves_to``); at the level of the rule it
defers to, or below, and under the built-in policy, it defers as before.

Every policy here is a real clinic TOML file loaded by ``load_policy``; every answer is ``assess()``'s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy

DISOWNED = "its action applies, not this rule's"
PREGNANT = PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=30)
MAN = PatientContext(age=50, sex="male")
# (patient, readings, the lower rule, the rule it defers to, the lower rule's own action)
CASES = [
    pytest.param(
        PREGNANT,
        [ob("sbp", 150), ob("dbp", 95)],
        "bp_grade_1_2",
        "pregnancy_hypertension",
        "confirm with repeat measurements on separate days",
        id="grade 1 in pregnancy",
    ),
    pytest.param(
        MAN,
        [ob("glucose_random", 25), ob("urine_ketones", "2+")],
        "glucose_diabetes_range",
        "glucose_critical_high",
        "confirm with a repeat laboratory test",
        id="glucose beside the critical high",
    ),
]


def _policy(tmp_path: Path, rule: str, level: str | None) -> Policy:
    path = tmp_path / "clinic.toml"
    table = "" if level is None else f'[rules.{rule}]\nlevel = "{level}"\n'
    path.write_text(f'version = "clinic-test"\n{table}', encoding="utf-8")
    return load_policy(path)


def _reason(
    policy: Policy, patient: PatientContext, readings: list[Observation], rule: str
) -> tuple[str, dict[str, object], Disposition, Disposition]:
    a = assess(patient, readings, policy, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == rule]
    return reason.detail, dict(reason.values), reason.level, a.disposition


@pytest.mark.parametrize(("patient", "readings", "lower", "higher", "own"), CASES)
def test_raised_above_the_rule_it_defers_to_it_says_its_own_action(
    tmp_path: Path, patient: PatientContext, readings: list[Observation], lower: str, higher: str, own: str
) -> None:
    policy = _policy(tmp_path, lower, "emergency_transfer")
    detail, values, level, disposition = _reason(policy, patient, readings, lower)
    assert level is disposition is Disposition.emergency_transfer
    assert DISOWNED not in detail and "deferred_to" not in values and own in detail, detail


@pytest.mark.parametrize(("patient", "readings", "lower", "higher", "own"), CASES)
@pytest.mark.parametrize("level", [None, "urgent_referral"], ids=["built-in", "raised to the same level"])
def test_at_or_below_that_rules_level_it_defers_as_before(
    tmp_path: Path,
    patient: PatientContext,
    readings: list[Observation],
    lower: str,
    higher: str,
    own: str,
    level: str | None,
) -> None:
    detail, values, _, disposition = _reason(_policy(tmp_path, lower, level), patient, readings, lower)
    assert values["deferred_to"] == higher and DISOWNED in detail and own not in detail, detail
    assert disposition is Disposition.urgent_referral
