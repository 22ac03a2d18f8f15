"""Pins today's reading of a value censored with equality (``<=x``, ``>=x``) at a cut-point that sits
at ``x``, which needs a clinician's decision (docs/assessment.md, "Censored values"): such a value
counts as exactly ``x``, the least extreme value it is consistent with, as ``<x`` counts as just
below ``x``. A rule that is strict at ``x`` therefore does not fire: glucose "<=54 mg/dL" (= "<=3.0
mmol/L") is level 1 hypoglycaemia, local care, not below the critical low (ADA level 2 is <54 mg/dL),
although the true value may be lower; ">=22.2 mmol/L" is not above the critical high 22.2, ">=180"
mmHg not in the crisis range (>180). The reason shows the comparator as reported, so it never reads
as a value at or past the cut-point it may not be. When the decision is made, this test fails and the
section is rewritten."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy

# (readings, the rule that fires today, the strict rule at x that does not, shown in the reason)
CASES = [
    ([ob("glucose_random", "<=54", "mg/dL")], "hypoglycaemia_level1", "glucose_critical_low", "<=54 mg/dL"),
    ([ob("glucose_fasting", "<=3.0")], "hypoglycaemia_level1", "glucose_critical_low", "<=3 mmol/L"),
    ([ob("glucose_random", ">=22.2")], "glucose_diabetes_range", "glucose_critical_high", ">=22.2 mmol/L"),
    ([ob("sbp", ">=180"), ob("dbp", 100)], "bp_grade_3", "hypertensive_crisis", ">=180/100 mmHg"),
]


@pytest.mark.parametrize(("readings", "fires", "not_fired", "shown"), CASES)
def test_a_value_censored_with_equality_counts_as_its_bound(
    readings: list[Observation], fires: str, not_fired: str, shown: str
) -> None:
    a = assess(PatientContext(age=50), readings, load_policy(None), now=NOW)
    rules = {r.rule: r for r in a.reasons}
    assert fires in rules and not_fired not in rules, list(rules)
    assert shown in rules[fires].detail, rules[fires].detail


def test_the_strict_comparator_is_past_the_cut_point() -> None:
    a = assess(PatientContext(age=50), [ob("glucose_random", "<54", "mg/dL")], load_policy(None), now=NOW)
    assert "glucose_critical_low" in {r.rule for r in a.reasons}
