"""Two blood-pressure rules that fire on one pressure with different actions must not both say
what to do: at 15 years 190/125 mmHg is an emergency transfer (``bp_adolescent_severe``), and the
crisis reason's "refer urgently (same day)" (zh 当日紧急转诊) beside it confused staff. The lower
rule stays in the Assessment (integrators and audit need every finding) as supporting evidence
naming the rule whose action applies (``values.deferred_to``; ``triage.rule_precedence``).

The walk below runs the engine's rules over pressures, ages, pregnancy and symptoms and fails on
any pair of blood-pressure reasons with different levels where the lower does not defer to a rule
at the decision's level - so a future rule that makes another's action wrong is caught."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Mapping

import pytest

from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import LEVEL_RANK, Assessment, Disposition, Reason
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.rule_precedence import HIGHER
from triage.rules import RULES, RULES_BY_NAME
from triage.service.pages.engine_text import EngineText

POLICY = load_policy()


def _assess(sbp: float, dbp: float, **patient: object) -> Assessment:
    return assess(PatientContext.model_validate(patient), [ob("sbp", sbp), ob("dbp", dbp)], POLICY, now=NOW)


PRESSURES = [
    (s, d)
    for s in (118, 135, 145, 155, 160, 175, 180, 181, 195, 201, 230)
    for d in (70, 85, 95, 105, 110, 115, 121, 130)
    if d < s
]
PATIENTS = [
    {"age": age, "pregnant": pregnant, "acute_symptoms": symptoms}
    for age, pregnant, symptoms in itertools.product(
        (None, 9, 12, 13, 17, 18, 45), (None, True), ((), ("chest_pain",), ("headache",))
    )
]


def check_one_action(
    reasons: list[Reason],
    checked: set[tuple[str, str]],
    not_said: Mapping[str, tuple[str, ...]],
    *context: object,
) -> None:
    """``reasons`` about one problem: each below their top level defers to a rule at the top level
    that fired, names it and does not say ``not_said[rule]`` (its own action); the (lower, higher)
    pairs met go in ``checked``."""
    if not reasons:
        return
    top = max((r.level for r in reasons), key=LEVEL_RANK.__getitem__)
    fired = {r.rule: r for r in reasons}
    for r in reasons:
        if r.level is top:
            assert "deferred_to" not in r.values, (*context, r)
            continue
        higher = str(r.values.get("deferred_to"))
        where = (*context, r.rule, top, sorted(fired))
        assert higher in fired and fired[higher].level is top, where
        assert f"supporting evidence for {higher}" in r.detail, where
        assert not any(said in r.detail for said in not_said[r.rule]), (r.detail, where)
        checked.add((r.rule, higher))


def test_every_lower_blood_pressure_reason_defers_to_the_action_that_applies() -> None:
    checked: set[tuple[str, str]] = set()
    refer = defaultdict(lambda: ("refer",))  # every lower BP rule's action refers
    for (sbp, dbp), patient in itertools.product(PRESSURES, PATIENTS):
        a = _assess(sbp, dbp, **patient)
        bp = [r for r in a.reasons if "sbp" in r.values and "dbp" in r.values]
        check_one_action(bp, checked, refer, sbp, dbp, patient)
    # the pairs the brief named were met by the walk
    assert {
        ("hypertensive_crisis", "bp_adolescent_severe"),
        ("hypertensive_crisis", "hypertensive_emergency"),
        ("pregnancy_hypertension", "pregnancy_severe_hypertension"),
        ("bp_adolescent_stage_2", "bp_adolescent_severe"),
        ("bp_grade_3", "hypertensive_crisis"),
        ("bp_grade_1_2", "pregnancy_hypertension"),
    } <= checked, checked


def test_the_rules_deferred_to_are_red_flags_above_the_lower_rule() -> None:
    """A rule deferred to can never be switched off by a policy, so its action is always there."""
    for lower, higher in HIGHER.items():
        for name in higher:
            rule = RULES_BY_NAME[name]
            assert rule.red_flag, name
            assert LEVEL_RANK[rule.default] > LEVEL_RANK[RULES_BY_NAME[lower].default], (lower, name)
    assert set(HIGHER) <= {r.name for r in RULES}


def test_no_finding_is_hidden_from_the_json_and_the_pages_say_which_action_applies() -> None:
    a = _assess(190, 125, age=15)
    assert a.disposition is Disposition.emergency_transfer
    payload = json.loads(a.model_dump_json())
    rules = [r["rule"] for r in payload["reasons"]]
    assert {
        "bp_adolescent_severe",
        "hypertensive_crisis",
        "bp_hearts_urgent",
        "bp_adolescent_stage_2",
    } <= set(rules)
    assert {"bp_adolescent_severe", "hypertensive_crisis", "bp_hearts_urgent"} <= set(payload["red_flags"])
    (crisis,) = [r for r in payload["reasons"] if r["rule"] == "hypertensive_crisis"]
    assert crisis["values"]["deferred_to"] == "bp_adolescent_severe"
    assert crisis["detail"].startswith(
        "190/125 mmHg: AAP 2017 adolescent stage 2 range (single reading); hypertensive crisis range (>180"
        " and/or >120); hypertensive_crisis: supporting evidence for bp_adolescent_severe, which fired on"
        " this pressure too - its action applies, not this rule's"
    )
    zh = EngineText("zh", payload).detail(crisis)
    assert "190/125" in zh and "佐证" in zh and "急诊科" in zh and "当日紧急转诊" not in zh, zh
    assert not english_left(zh), zh
    en = EngineText("en", payload).detail(crisis)
    assert "supporting evidence" in en and "same day" not in en, en


@pytest.mark.parametrize(("sbp", "deferred"), [(180, False), (181, True)])
def test_without_the_higher_rule_the_lower_rule_keeps_its_own_action(sbp: float, deferred: bool) -> None:
    """At 15 years 181/100 fires bp_adolescent_severe; 180/100 does not, and the adolescent stage 2's
    own referral stands."""
    a = _assess(sbp, 100, age=15)
    stage = next(r for r in a.reasons if r.rule == "bp_adolescent_stage_2")
    assert ("deferred_to" in stage.values) is deferred, stage
    assert ("paediatric care within 1 week" in stage.detail) is not deferred, stage
