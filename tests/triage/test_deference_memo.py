"""A lower rule that fired reads whether the rules above it fired from what ``assess()`` found
checking them (``Evidence.fired``) instead of checking them again (``triage.rule_precedence``); so
do ``proteinuria_1plus`` and ``proteinuria_2plus`` whether ``proteinuria_with_hypertension`` fired.

The fast path is compared with the reference path - every active rule checked on its own fresh
evidence, nothing known beforehand - over Hypothesis patients and readings (the safety tests'
generators: cut-points, converted and censored values, children, pregnancy), and over dipsticks and
ACRs in and out of pregnancy: ``albuminuria`` leaves an ACR of 8 mg/mmol or more in pregnancy from 20
weeks below 140/90 mmHg to ``pregnancy_proteinuria_acr`` from the readings (that rule's own
condition), not from whether that rule fired before it - unless a clinic switched it off.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import triage.assess as engine
from tests.triage.conftest import NOW, ob
from tests.triage.test_safety_properties import Reading, patients, to_obs, vital_sets
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.readings import measured
from triage.rule_precedence import HIGHER
from triage.rules import RULES_BY_NAME, Evidence

POLICY = load_policy()
# proteinuria_with_hypertension switched off: the dipstick rules say their own action beside it
NO_PROTEINURIA_RULE = policy_from_mapping({"rules": {"proteinuria_with_hypertension": {"level": "off"}}})
# pregnancy_proteinuria_acr switched off: KDIGO's albuminuria reads the ACR in pregnancy too
ACR_RULE = "pregnancy_proteinuria_acr"
NO_ACR_RULE = policy_from_mapping({"rules": {ACR_RULE: {"level": "off"}}})
# in pregnancy before 20 weeks, from 20, the weeks not recorded (counted as from 20), or not pregnant
PREGNANCY: list[dict[str, object]] = [
    {},
    {"pregnant": True, "gestation_weeks": 19},
    {"pregnant": True, "gestation_weeks": 20},
    {"pregnant": True, "gestation_weeks": 30},
    {"pregnant": True},
]
# NICE NG133's 8 mg/mmol (70.7 mg/g) and KDIGO's 30 mg/g, each side, as reported
ACRS = [
    (10.0, "mg/g"),
    (30.0, "mg/g"),
    (70.6, "mg/g"),
    (70.7, "mg/g"),
    (7.9, "mg/mmol"),
    (8.0, "mg/mmol"),
    (400.0, "mg/g"),
]


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
    # with no usable reading too: a recorded chest pain is an emergency whatever was measured (symptoms.py)
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


def _urine(protein: str, sbp: int | None, dbp: int, acr: tuple[float, str] | None) -> list[Observation]:
    observations = [ob("urine_protein", protein)]
    if sbp is not None:
        observations += [ob("sbp", sbp), ob("dbp", dbp)]
    if acr is not None:
        observations.append(ob("albumin_creatinine_ratio", *acr))
    return observations


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    age=st.sampled_from([12, 15, 17, 30, 40, 70]),
    hypertension=st.one_of(st.none(), st.booleans()),
    pregnancy=st.sampled_from(PREGNANCY),
    protein=st.sampled_from(["neg", "trace", "1+", "2+", "3+", "4+"]),
    sbp=st.one_of(st.none(), st.sampled_from([118, 130, 139, 140, 160, 185])),
    dbp=st.sampled_from([75, 85, 89, 90, 100, 115]),
    acr=st.one_of(st.none(), st.sampled_from(ACRS)),
    policy=st.sampled_from([POLICY, NO_PROTEINURIA_RULE, NO_ACR_RULE]),
)
# an ACR of 8 mg/mmol at 30 weeks and 118/75 mmHg: pregnancy_proteinuria_acr's, not KDIGO's
@example(30, None, PREGNANCY[3], "neg", 118, 75, (8.0, "mg/mmol"), POLICY)
@example(30, None, PREGNANCY[4], "neg", None, 75, (400.0, "mg/g"), POLICY)
def test_dipstick_reasons_equal_each_rule_checked_on_fresh_evidence(
    age: int,
    hypertension: bool | None,
    pregnancy: dict[str, object],
    protein: str,
    sbp: int | None,
    dbp: int,
    acr: tuple[float, str] | None,
    policy: Policy,
) -> None:
    patient = PatientContext(age=age, sex="female", hypertension=hypertension, **pregnancy)  # type: ignore[arg-type]
    assert_reasons_as_checked_alone(patient, _urine(protein, sbp, dbp, acr), policy)


def _albuminuria_first(policy: Policy) -> Policy:
    """``policy`` with ``albuminuria`` checked just before ``pregnancy_proteinuria_acr`` (it comes after)."""
    rules = list(policy.runtime.active_rules)
    names = [rule.name for rule, _, _ in rules]
    if ACR_RULE in names:
        rules.insert(names.index(ACR_RULE), rules.pop(names.index("albuminuria")))
    swapped = policy.model_copy()
    swapped.__dict__["runtime"] = replace(policy.runtime, active_rules=tuple(rules))
    return swapped


@pytest.mark.parametrize("policy", [POLICY, NO_ACR_RULE], ids=["policy", "acr rule off"])
@pytest.mark.parametrize("acr", ACRS, ids=[f"{v:g} {u}" for v, u in ACRS])
@pytest.mark.parametrize(
    "pregnancy", PREGNANCY, ids=["not pregnant", "19 weeks", "20 weeks", "30 weeks", "weeks not recorded"]
)
@pytest.mark.parametrize(("sbp", "dbp"), [(139, 89), (140, 85), (120, 90)])
def test_the_rule_order_does_not_change_who_reads_an_acr(
    policy: Policy, acr: tuple[float, str], pregnancy: dict[str, object], sbp: int, dbp: int
) -> None:
    """At each cut-point (8 mg/mmol, 70.7 mg/g, 20 weeks, 140/90 mmHg) the reasons, disposition and
    re-check are the same with ``albuminuria`` checked before ``pregnancy_proteinuria_acr``: a
    switched-off ACR rule leaves KDIGO's referral, never a lower disposition."""
    patient = PatientContext(age=30, sex="female", **pregnancy)  # type: ignore[arg-type]
    readings = _urine("neg", sbp, dbp, acr)
    usual = engine.assess(patient, readings, policy, now=NOW)
    swapped = engine.assess(patient, readings, _albuminuria_first(policy), now=NOW)
    assert {r.rule: r.detail for r in swapped.reasons} == {r.rule: r.detail for r in usual.reasons}
    assert (swapped.disposition, swapped.recheck_minutes) == (usual.disposition, usual.recheck_minutes)
    fired = {r.rule for r in usual.reasons}
    if ACR_RULE not in fired and "pregnancy_hypertension" not in fired and "albuminuria" not in fired:
        return  # below KDIGO's 30 mg/g: no rule reads the ACR
    assert usual.disposition in (Disposition.routine_referral, Disposition.urgent_referral)
    assert len(fired & {ACR_RULE, "albuminuria"}) <= 1


def test_albuminuria_leaves_a_pregnancy_acr_to_its_rule_from_the_readings() -> None:
    """Checked on fresh evidence - nothing known of what fired - ``albuminuria`` does not fire on an
    ACR of 8 mg/mmol at 30 weeks and 118/75 mmHg; with ``pregnancy_proteinuria_acr`` switched off
    (not in ``Evidence.levels``) it does, KDIGO's referral."""
    patient = PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=30)
    _, ev = _assessed(patient, _urine("neg", 118, 75, (8.0, "mg/mmol")))
    albuminuria, acr_rule = RULES_BY_NAME["albuminuria"], RULES_BY_NAME[ACR_RULE]
    fresh = replace(ev)
    assert fresh.fired == {} and ACR_RULE in fresh.levels
    assert albuminuria.check(fresh) is None and acr_rule.check(fresh) is not None
    _, off = _assessed(patient, _urine("neg", 118, 75, (8.0, "mg/mmol")), NO_ACR_RULE)
    assert ACR_RULE not in off.levels
    kdigo = albuminuria.check(replace(off))
    assert kdigo is not None and "confirm on a repeat sample; refer (non-emergency)" in kdigo.detail


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
