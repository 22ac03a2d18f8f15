"""A glucose below the critical low is re-checked when its reason says: in 15 minutes.

``glucose_critical_low`` said "treat now (...), re-check in 15 minutes; refer urgently (same day)"
(ADA 2025 s6: re-check 15 minutes after treating), but the rule had no interval of its own, so the
assessment's ``recheck_minutes`` was the urgent referral's 60 - the patient page's "Recheck in 1
hour" came 45 minutes after the reason told the nurse to re-check. The rule now re-checks in 15
minutes, as ``hypoglycaemia_level1`` does; a clinic policy may make it sooner, never later (refused
as for every rule with an interval of its own: ``test_policy_rule_recheck_not_later``).

The real engine and the built-in policy."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy, policy_from_mapping


def _assess(policy: Policy, glucose: float, age: int | None = 50) -> Assessment:
    readings = [ob("glucose_random", glucose), ob("sbp", 120), ob("dbp", 80)]
    return assess(PatientContext(age=age), readings, policy, now=NOW)


@pytest.mark.parametrize("age", [50, 4, None])
def test_the_assessment_rechecks_when_the_reason_says(policy: Policy, age: int | None) -> None:
    a = _assess(policy, 2.9, age)
    (detail,) = [r.detail for r in a.reasons if r.rule == "glucose_critical_low"]
    assert "re-check in 15 minutes" in detail and a.disposition is Disposition.urgent_referral
    assert a.recheck_minutes == 15


def test_at_the_critical_low_itself_level_1_rechecks_in_15_minutes_as_before(policy: Policy) -> None:
    a = _assess(policy, 3.0)
    rules = [r.rule for r in a.reasons]
    assert "glucose_critical_low" not in rules and "hypoglycaemia_level1" in rules
    assert a.disposition is Disposition.local_care and a.recheck_minutes == 15


def test_a_clinic_policy_rechecking_it_sooner_is_taken() -> None:
    policy = policy_from_mapping({"rules": {"glucose_critical_low": {"recheck_minutes": 10}}})
    assert _assess(policy, 2.9).recheck_minutes == 10
