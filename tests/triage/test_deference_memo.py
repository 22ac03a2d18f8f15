"""A lower rule that fired reads whether the rules above it fired from what ``assess()`` found
checking them (``Evidence.fired``) instead of checking them again (``triage.rule_precedence``); so
do ``proteinuria_1plus`` and ``proteinuria_2plus`` whether ``proteinuria_with_hypertension`` fired.

The fast path is compared with the reference path - every active rule checked on its own fresh
evidence, nothing known beforehand - over Hypothesis patients and readings (the safety tests'
generators: cut-points, converted and censored values, children, pregnancy).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import triage.assess as engine
from tests.triage.conftest import NOW, ob
from tests.triage.test_safety_properties import Reading, patients, to_obs, vital_sets
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.readings import measured
from triage.rule_precedence import HIGHER
from triage.rules import RULES_BY_NAME, Evidence

POLICY = load_policy()
# proteinuria_with_hypertension switched off: nothing records it, the dipstick rules check it themselves
NO_PROTEINURIA_RULE = policy_from_mapping({"rules": {"proteinuria_with_hypertension": {"level": "off"}}})


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


def _assessed(
    patient: PatientContext, observations: Sequence[Observation], policy: Policy = POLICY
) -> tuple[Assessment, Evidence]:
    with _evidence_kept() as kept:
        assessed = engine.assess(patient, observations, policy, now=NOW)
    (ev,) = kept
    return assessed, ev


def assert_reasons_as_checked_alone(
    patient: PatientContext, observations: Sequence[Observation], policy: Policy = POLICY
) -> None:
    """Every reason equals its rule checked alone on a copy of the evidence whose memo is empty."""
    assessed, ev = _assessed(patient, observations, policy)
    got = {r.rule: (r.values, r.detail) for r in assessed.reasons}
    expected = {}
    if ev.latest:
        for rule, _, _ in policy.runtime.active_rules:
            finding = rule.check(replace(ev))  # replace: a new Evidence, nothing known beforehand
            if finding is not None:
                shown = finding.detail + measured(finding.values, ev.latest, {})
                expected[rule.name] = (finding.values, shown)
    assert got == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients, values=vital_sets())
def test_reasons_equal_each_rule_checked_on_fresh_evidence(
    patient: PatientContext, values: dict[str, Reading]
) -> None:
    assert_reasons_as_checked_alone(patient, to_obs(values))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    age=st.sampled_from([12, 15, 17, 40, 70]),
    hypertension=st.one_of(st.none(), st.booleans()),
    protein=st.sampled_from(["neg", "trace", "1+", "2+", "3+", "4+"]),
    sbp=st.one_of(st.none(), st.sampled_from([118, 130, 139, 140, 160, 185])),
    dbp=st.sampled_from([75, 85, 90, 100, 115]),
    acr=st.one_of(st.none(), st.sampled_from([10.0, 30.0, 400.0])),
    policy=st.sampled_from([POLICY, NO_PROTEINURIA_RULE]),
)
def test_dipstick_reasons_equal_each_rule_checked_on_fresh_evidence(
    age: int,
    hypertension: bool | None,
    protein: str,
    sbp: int | None,
    dbp: int,
    acr: float | None,
    policy: Policy,
) -> None:
    observations = [ob("urine_protein", protein)]
    if sbp is not None:
        observations += [ob("sbp", sbp), ob("dbp", dbp)]
    if acr is not None:
        observations.append(ob("albumin_creatinine_ratio", acr, "mg/g"))
    patient = PatientContext(age=age, sex="female", hypertension=hypertension)
    assert_reasons_as_checked_alone(patient, observations, policy)


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


def test_the_dipstick_rules_read_whether_proteinuria_with_hypertension_fired_from_the_evidence() -> None:
    """Dipstick 1+ without hypertension fires proteinuria_1plus; told that proteinuria_with_hypertension
    fired on this evidence (as assess() records it), it does not, and it is not checked again."""
    patient = PatientContext(age=50, sex="male")
    _, ev = _assessed(patient, [ob("urine_protein", "1+"), ob("sbp", 118), ob("dbp", 75)])
    assert ev.fired["proteinuria_with_hypertension"] is False and ev.fired["proteinuria_1plus"] is True
    one_plus = RULES_BY_NAME["proteinuria_1plus"]
    fresh = replace(ev)
    assert one_plus.check(fresh) is not None
    fresh.fired["proteinuria_with_hypertension"] = True
    assert one_plus.check(fresh) is None
