"""Chest pain and breathlessness in pregnancy and the 6 weeks after birth name pulmonary embolism
(``triage.rules.symptoms.MATERNAL_MEANINGS``).

A pregnant woman's chest pain recorded at the desk read "acute coronary syndrome or aortic dissection
suspected until an ECG and a clinician exclude them" (NICE CG95, adults) and her breathlessness asked
for the observations on a maternity early warning score: neither named a pulmonary embolism, the
leading direct cause of maternal death (MBRRACE-UK), which a woman with its symptoms has tested for
without delay (RCOG Green-top 37b), nor that pregnancy makes an aortic dissection more likely. The
receiving team is now told; the levels stay (chest pain an emergency transfer, breathlessness a
same-day assessment). Outside pregnancy and the weeks after birth the wording is as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

MATERNAL_CHEST = (
    "chest pain recorded now (blood pressure 124/78 mmHg): in pregnancy and the 6 weeks after birth pulmonary"
    " embolism (the leading direct cause of maternal death, MBRRACE-UK) and aortic dissection (more likely in"
    " pregnancy) are suspected as well as an acute coronary syndrome, until an ECG and a clinician exclude"
    " them (RCOG Green-top 37b: objective testing for a pulmonary embolism without delay): emergency transfer"
    " now"
)
PE = (
    "pulmonary embolism (the leading direct cause of maternal death, MBRRACE-UK) is possible until a"
    " clinician excludes it (RCOG Green-top 37b: objective testing without delay)"
)
ADULT_CHEST = (
    "chest pain recorded now (blood pressure 124/78 mmHg): acute coronary syndrome or aortic dissection"
)
PREGNANT = {"pregnant": True, "gestation_weeks": 30}
MATERNAL = [
    pytest.param(PREGNANT, "pregnancy", id="30 weeks"),
    pytest.param({"pregnant": True, "gestation_weeks": 8}, "pregnancy", id="8 weeks"),
    pytest.param({"pregnant": True}, "pregnancy", id="weeks not recorded"),
    pytest.param({"postpartum": True}, "postpartum", id="after birth"),
]


def _readings() -> list[Observation]:
    return [*normal_vitals(), ob("dbp", 78)]


def _assess(policy: Policy, symptoms: list[str], **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", **patient}, acute_symptoms=symptoms)  # type: ignore[arg-type]
    return assess(context, _readings(), policy, now=NOW)


def _reason(a: Assessment, rule: str) -> tuple[str, dict[str, object]]:
    (reason,) = [r for r in a.reasons if r.rule == rule]
    return reason.detail, dict(reason.values)


# each symptom: the rule that reads it below 140/90 and the level it asks for, unchanged in pregnancy
READ_BY = {
    "chest_pain": ("acute_symptom_emergency", Disposition.emergency_transfer),
    "dyspnoea": ("acute_symptom_urgent", Disposition.urgent_referral),
}


def _said(policy: Policy, symptom: str, **patient: object) -> tuple[str, dict[str, object]]:
    """The reason for ``symptom`` recorded alone, the disposition checked to be its rule's level."""
    rule, level = READ_BY[symptom]
    a = _assess(policy, [symptom], **patient)
    assert a.disposition is level
    return _reason(a, rule)


@pytest.mark.parametrize(("patient", "when"), MATERNAL)
def test_chest_pain_in_pregnancy_or_after_birth_names_pulmonary_embolism_and_stays_an_emergency(
    policy: Policy, patient: dict[str, object], when: str
) -> None:
    detail, values = _said(policy, "chest_pain", **patient)
    assert detail == MATERNAL_CHEST
    assert values == {"acute_symptoms": "chest_pain", "pulmonary_embolism": when}


def test_a_pregnant_girls_chest_pain_names_pregnancys_pulmonary_embolism(policy: Policy) -> None:
    detail, values = _said(policy, "chest_pain", age=17, **PREGNANT)
    assert detail == MATERNAL_CHEST and "child" not in values


@pytest.mark.parametrize("patient", [{}, {"pregnant": False, "postpartum": False}, {"sex": "male"}])
def test_outside_pregnancy_and_the_weeks_after_birth_chest_pain_reads_as_before(
    policy: Policy, patient: dict[str, object]
) -> None:
    detail, values = _said(policy, "chest_pain", **patient)
    assert detail.startswith(ADULT_CHEST) and "pulmonary embolism" not in detail
    assert "pulmonary_embolism" not in values


@pytest.mark.parametrize(
    ("patient", "said"),
    [
        pytest.param(
            PREGNANT,
            "measure the observations now (respiration rate, SpO2, pulse) and read them on a maternity early"
            f" warning score (MEWS/MEOWS): NEWS2 is not used in pregnancy; {PE}",
            id="pregnancy",
        ),
        pytest.param(
            {"postpartum": True},
            f"measure the NEWS2 observations now (respiration rate, SpO2, pulse); after birth (within 6 weeks) {PE}",
            id="after birth",
        ),
    ],
)
def test_breathlessness_in_pregnancy_or_after_birth_names_pulmonary_embolism_same_day(
    policy: Policy, patient: dict[str, object], said: str
) -> None:
    detail, _ = _said(policy, "dyspnoea", **patient)
    assert (
        detail
        == f"breathlessness recorded now (blood pressure 124/78 mmHg): {said}: same-day clinical assessment (refer urgently)"
    )


def test_breathlessness_outside_pregnancy_reads_as_before(policy: Policy) -> None:
    detail, values = _said(policy, "dyspnoea")
    assert "pulmonary embolism" not in detail and "pulmonary_embolism" not in values
    assert "measure the NEWS2 observations now" in detail


@pytest.mark.parametrize(("patient", "when"), MATERNAL)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, patient: dict[str, object], when: str
) -> None:
    context = PatientContext(age=30, sex="female", acute_symptoms=("chest_pain", "dyspnoea"), **patient)  # type: ignore[arg-type]
    payload = _payload(context, _readings(), policy)
    emergency, urgent = (
        next(r for r in payload["reasons"] if r["rule"] == rule)
        for rule in ("acute_symptom_emergency", "acute_symptom_urgent")
    )
    en, zh = EngineText("en", payload), EngineText("zh", payload)
    assert "pulmonary embolism (the leading direct cause of maternal death" in en.rule_detail(emergency)
    assert "aortic dissection (more likely in pregnancy)" in en.rule_detail(emergency)
    assert "按疑似肺栓塞（孕产妇直接死亡的首要原因" in zh.rule_detail(emergency)
    assert "pulmonary embolism" in en.rule_detail(urgent) and "肺栓塞" in zh.rule_detail(urgent)
    assert not english_left(zh.rule_detail(emergency)) and english_left(zh.rule_detail(urgent)) <= {
        "MEWS/MEOWS"
    }
    after = "after birth (within 6 weeks)" in en.rule_detail(urgent)
    assert after is (when == "postpartum")
    assert ("MEWS/MEOWS" in en.rule_detail(urgent)) is (when == "pregnancy")
    plain = _payload(
        context.model_copy(update={"pregnant": None, "gestation_weeks": None, "postpartum": None}),
        _readings(),
        policy,
    )
    for reason in plain["reasons"]:
        if reason["rule"].startswith("acute_symptom_"):
            assert "pulmonary embolism" not in EngineText("en", plain).rule_detail(reason)
            assert "肺栓塞" not in EngineText("zh", plain).rule_detail(reason)
