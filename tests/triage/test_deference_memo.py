"""A lower rule that fired reads whether the rules above it fired from what ``assess()`` found
checking them (``Evidence.fired``) instead of checking them again (``triage.rule_precedence``).

The fast path is compared with the reference path - every active rule checked on its own fresh
evidence, nothing known beforehand - over Hypothesis patients and readings (the safety tests'
generators: cut-points, converted and censored values, children, pregnancy).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from hypothesis import HealthCheck, given, settings

import triage.assess as engine
from tests.triage.conftest import NOW, ob
from tests.triage.test_safety_properties import Reading, patients, to_obs, vital_sets
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.readings import measured
from triage.rule_precedence import HIGHER
from triage.rules import RULES_BY_NAME, Evidence

POLICY = load_policy()


@contextmanager
def _evidence_kept() -> Iterator[list[Evidence]]:
    """The evidence ``assess()`` builds, kept as it is built."""
    kept: list[Evidence] = []
    real = engine.evidence

    def keep(*args: object) -> Evidence:
        made = real(*args)  # type: ignore[arg-type]
        kept.append(made)
        return made

    engine.evidence = keep  # type: ignore[assignment]
    try:
        yield kept
    finally:
        engine.evidence = real


def _assessed(patient: PatientContext, observations: Sequence[Observation]) -> tuple[Assessment, Evidence]:
    with _evidence_kept() as kept:
        assessed = engine.assess(patient, observations, POLICY, now=NOW)
    (ev,) = kept
    return assessed, ev


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients, values=vital_sets())
def test_reasons_equal_each_rule_checked_on_fresh_evidence(
    patient: PatientContext, values: dict[str, Reading]
) -> None:
    assessed, ev = _assessed(patient, to_obs(values))
    got = {r.rule: (r.values, r.detail) for r in assessed.reasons}
    expected = {}
    if ev.latest:
        for rule, _, _ in POLICY.runtime.active_rules:
            finding = rule.check(replace(ev))  # a copy whose memo is empty: nothing known beforehand
            if finding is not None:
                expected[rule.name] = (
                    finding.values,
                    finding.detail + measured(finding.values, ev.latest, {}),
                )
    assert got == expected


def test_a_lower_rule_reads_whether_the_rule_above_it_fired_from_the_evidence() -> None:
    """bp_grade_1_2 at 165/95 defers to nothing; told that a rule above it fired on this evidence
    (as assess() records it), it defers to that rule without checking it again."""
    _, ev = _assessed(PatientContext(age=50, sex="male"), [ob("sbp", 165), ob("dbp", 95)])
    grade, above = RULES_BY_NAME["bp_grade_1_2"], HIGHER["bp_grade_1_2"][0]
    fresh = replace(ev)
    assert fresh.fired == {} and ev.fired[above] is False
    own = grade.check(fresh)
    assert own is not None and "deferred_to" not in own.values
    fresh.fired[above] = True
    told = grade.check(fresh)
    assert told is not None and told.values["deferred_to"] == above
