"""Breathlessness at a raised pressure in pregnancy and the 6 weeks after birth names a pulmonary
embolism, as it does below that pressure (``triage.rule_checks.PE_MATERNAL``).

From 140 and/or 90 mmHg (pregnancy from 20 weeks, or the weeks not recorded, and after birth) a
pregnant woman's breathlessness is read by ``pre_eclampsia_severe_features``, "breathlessness
(pulmonary oedema?)", and from 180 and/or 110 at any gestation also by ``hypertensive_emergency``:
neither named a pulmonary embolism - the leading direct cause of maternal death (MBRRACE-UK),
objectively tested for without delay (RCOG Green-top 37b) - which ``acute_symptom_urgent`` tells the
receiving team below these pressures, and ``hypertensive_emergency`` for chest pain. Now both say it
after the action; the level (an emergency transfer) and the re-check stay; outside pregnancy and the
weeks after birth the reasons are as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW
from tests.triage.test_maternal_chest_pain_hypertensive_emergency import _context, _readings
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.policy import Policy
from triage.rules.symptoms import PE_MATERNAL
from triage.service.pages.engine_text import EngineText

TOLD = (
    "; breathlessness: pulmonary embolism (the leading direct cause of maternal death, MBRRACE-UK) is"
    " possible until a clinician excludes it (RCOG Green-top 37b: objective testing without delay)"
)
SEVERE = "pre_eclampsia_severe_features"
EMERGENCY = "hypertensive_emergency"
ADMISSION = "emergency transfer to an obstetric unit now for assessment and admission"
HTN_ACTION = "hypertensive emergency (acute target-organ damage suspected): emergency transfer now"
# where pre-eclampsia is possible: from 20 weeks, the weeks not recorded, after birth
PRE_ECLAMPSIA = [
    pytest.param({"pregnant": True, "gestation_weeks": 30}, "pregnancy", id="30 weeks"),
    pytest.param({"pregnant": True, "gestation_weeks": 20}, "pregnancy", id="20 weeks"),
    pytest.param({"pregnant": True}, "pregnancy", id="weeks not recorded"),
    pytest.param({"postpartum": True}, "postpartum", id="after birth"),
]
# each side of 140/90 and up to severe hypertension (160/110) and a hypertensive emergency (180/110)
RAISED = [(140, 85), (139, 90), (150, 95), (165, 105), (185, 112)]


def _assess(
    policy: Policy, sbp: float, dbp: float, symptoms: tuple[str, ...], **patient: object
) -> Assessment:
    return assess(_context(symptoms, **patient), _readings(sbp, dbp), policy, now=NOW)


def _reasons(a: Assessment) -> dict[str, tuple[str, dict[str, object]]]:
    return {r.rule: (r.detail, dict(r.values)) for r in a.reasons}


def _never_lower(policy: Policy, a: Assessment) -> None:
    """An emergency transfer (none is higher), re-checked no later than the policy's emergency interval."""
    assert a.disposition is Disposition.emergency_transfer
    assert a.recheck_minutes is not None
    assert a.recheck_minutes <= policy.recheck_minutes[Disposition.emergency_transfer]


@pytest.mark.parametrize(("sbp", "dbp"), RAISED)
@pytest.mark.parametrize(("patient", "when"), PRE_ECLAMPSIA)
def test_breathlessness_read_as_a_severe_feature_names_pulmonary_embolism(
    policy: Policy, patient: dict[str, object], when: str, sbp: float, dbp: float
) -> None:
    a = _assess(policy, sbp, dbp, ("dyspnoea",), **patient)
    _never_lower(policy, a)
    found = _reasons(a)
    assert "acute_symptom_urgent" not in found  # the pressure rules read it: named there
    detail, values = found[SEVERE]
    assert "with breathlessness (pulmonary oedema?): pre-eclampsia with severe features suspected" in detail
    assert f"{ADMISSION}{TOLD}; measured " in detail
    assert values["pulmonary_embolism"] == when
    if sbp >= 180 or dbp >= 110:
        detail, values = found[EMERGENCY]
        assert f"with breathlessness: {HTN_ACTION}{TOLD}; measured " in detail
        assert values["pulmonary_embolism"] == when


def test_with_a_headache_too_the_embolism_follows_what_the_headache_counts_for(policy: Policy) -> None:
    a = _assess(policy, 150, 95, ("headache", "dyspnoea"), pregnant=True, gestation_weeks=30)
    _never_lower(policy, a)
    detail, _ = _reasons(a)[SEVERE]
    assert (
        f"{ADMISSION}; the headache counts unless that assessment finds another cause{TOLD}; measured"
        in detail
    )


@pytest.mark.parametrize("weeks", [8, 19])
def test_before_20_weeks_a_hypertensive_emergency_names_it_and_below_it_the_urgent_rule_does(
    policy: Policy, weeks: int
) -> None:
    emergency = _assess(policy, 185, 112, ("dyspnoea",), pregnant=True, gestation_weeks=weeks)
    _never_lower(policy, emergency)
    found = _reasons(emergency)
    assert SEVERE not in found and f"with breathlessness: {HTN_ACTION}{TOLD}" in found[EMERGENCY][0]
    below = _assess(policy, 150, 95, ("dyspnoea",), pregnant=True, gestation_weeks=weeks)
    assert below.disposition is Disposition.urgent_referral
    assert PE_MATERNAL in _reasons(below)["acute_symptom_urgent"][0]  # as before


def test_a_pregnant_adolescent_at_her_emergency_pressure(policy: Policy) -> None:
    """13-17: a hypertensive emergency from 140 and/or 90 (AAP 2017 stage 2), a severe feature too."""
    a = _assess(policy, 145, 92, ("dyspnoea",), age=16, pregnant=True, gestation_weeks=30)
    _never_lower(policy, a)
    found = _reasons(a)
    assert TOLD in found[EMERGENCY][0] and TOLD in found[SEVERE][0]


def test_with_chest_pain_beside_it_the_embolism_is_told_once_in_the_hypertensive_emergency(
    policy: Policy,
) -> None:
    a = _assess(policy, 185, 112, ("chest_pain", "dyspnoea"), pregnant=True, gestation_weeks=30)
    detail, values = _reasons(a)[EMERGENCY]
    assert "; chest pain: in pregnancy and the 6 weeks after birth pulmonary embolism" in detail
    assert TOLD not in detail and values["pulmonary_embolism"] == "pregnancy"
    assert TOLD in _reasons(a)[SEVERE][0]  # chest pain is no severe feature: breathlessness is told there


@pytest.mark.parametrize(
    "patient",
    [{}, {"pregnant": False, "postpartum": False}, {"sex": "male"}],
    ids=["not pregnant", "neither", "a man"],
)
def test_outside_pregnancy_and_the_weeks_after_birth_the_reason_is_as_before(
    policy: Policy, patient: dict[str, object]
) -> None:
    a = _assess(policy, 185, 112, ("dyspnoea",), **patient)
    _never_lower(policy, a)
    detail, values = _reasons(a)[EMERGENCY]
    assert f"with breathlessness: {HTN_ACTION}; measured" in detail and "pulmonary embolism" not in detail
    assert "pulmonary_embolism" not in values and SEVERE not in _reasons(a)


@pytest.mark.parametrize(("patient", "when"), PRE_ECLAMPSIA)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, patient: dict[str, object], when: str
) -> None:
    payload = _payload(_context(("dyspnoea",), **patient), _readings(185, 112), policy)
    for rule in (SEVERE, EMERGENCY):
        reason = next(r for r in payload["reasons"] if r["rule"] == rule)
        en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
        assert f"{TOLD}; " in en, en
        assert (
            "；呼吸困难：在临床医生排除前须考虑肺栓塞（孕产妇直接死亡的首要原因，须立即进行客观检查）；" in zh
        ), zh
        assert not english_left(zh)
    chest = _payload(_context(("chest_pain", "dyspnoea"), **patient), _readings(185, 112), policy)
    reason = next(r for r in chest["reasons"] if r["rule"] == EMERGENCY)
    assert "; chest pain: in pregnancy and the 6 weeks after birth" in EngineText("en", chest).rule_detail(
        reason
    )
    plain = _payload(_context(("dyspnoea",)), _readings(185, 112), policy)
    reason = next(r for r in plain["reasons"] if r["rule"] == EMERGENCY)
    assert "pulmonary embolism" not in EngineText("en", plain).rule_detail(reason)
    assert "肺栓塞" not in EngineText("zh", plain).rule_detail(reason)
