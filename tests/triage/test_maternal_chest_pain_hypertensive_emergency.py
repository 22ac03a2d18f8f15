"""Chest pain at a hypertensive emergency's pressure in pregnancy and the 6 weeks after birth names
pulmonary embolism and aortic dissection, as it does below that pressure
(``triage.rule_checks.MATERNAL_CHEST_PAIN``).

At 180 and/or 110 mmHg or more a pregnant woman's chest pain is read by ``hypertensive_emergency``,
not ``acute_symptom_emergency``: its reason said "hypertensive emergency (acute target-organ damage
suspected): emergency transfer now" and nothing of a pulmonary embolism - the leading direct cause of
maternal death (MBRRACE-UK), objectively tested for without delay (RCOG Green-top 37b) - which the
receiving team was told at 124/78. The level stays an emergency transfer; outside pregnancy and the
weeks after birth, and without chest pain, the reason is as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, normal_vitals, ob
from tests.triage.test_maternal_chest_pain_pe import MATERNAL
from triage.assess import assess
from triage.assessment import Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

TOLD = (
    "; chest pain: in pregnancy and the 6 weeks after birth pulmonary embolism (the leading direct cause of"
    " maternal death, MBRRACE-UK) and aortic dissection (more likely in pregnancy) are suspected as well as an"
    " acute coronary syndrome, until an ECG and a clinician exclude them (RCOG Green-top 37b: objective"
    " testing for a pulmonary embolism without delay)"
)
ACTION = "hypertensive emergency (acute target-organ damage suspected): emergency transfer now"


def _readings(sbp: float, dbp: float) -> list[Observation]:
    return [*(o for o in normal_vitals() if o.code != "sbp"), ob("sbp", sbp), ob("dbp", dbp)]


def _context(symptoms: tuple[str, ...], **patient: object) -> PatientContext:
    return PatientContext(**{"age": 30, "sex": "female", **patient}, acute_symptoms=symptoms)  # type: ignore[arg-type]


def _emergency(
    policy: Policy, sbp: float, dbp: float, symptoms: tuple[str, ...], **patient: object
) -> tuple[str, dict[str, object]]:
    """The hypertensive emergency's reason, the disposition checked to be an emergency transfer and
    the chest pain read by no other symptom rule."""
    a = assess(_context(symptoms, **patient), _readings(sbp, dbp), policy, now=NOW)
    assert a.disposition is Disposition.emergency_transfer
    (reason,) = [r for r in a.reasons if r.rule == "hypertensive_emergency"]
    assert not any(r.rule == "acute_symptom_emergency" for r in a.reasons)
    return reason.detail, dict(reason.values)


@pytest.mark.parametrize(("sbp", "dbp"), [(180, 80), (150, 110), (200, 120)])
@pytest.mark.parametrize(("patient", "when"), MATERNAL)
def test_chest_pain_at_a_hypertensive_emergencys_pressure_names_pulmonary_embolism(
    policy: Policy, patient: dict[str, object], when: str, sbp: float, dbp: float
) -> None:
    detail, values = _emergency(policy, sbp, dbp, ("chest_pain",), **patient)
    assert f"with chest pain: {ACTION}{TOLD}" in detail
    assert values["pulmonary_embolism"] == when


def test_with_breathlessness_beside_it_chest_pain_is_told_once(policy: Policy) -> None:
    detail, values = _emergency(policy, 185, 112, ("chest_pain", "dyspnoea"), postpartum=True)
    assert f"with chest pain, breathlessness: {ACTION}{TOLD}" in detail
    assert detail.count("pulmonary embolism") == 2 and values["pulmonary_embolism"] == "postpartum"


@pytest.mark.parametrize(
    ("symptoms", "patient"),
    [
        pytest.param(("chest_pain",), {}, id="not pregnant"),
        pytest.param(("chest_pain",), {"pregnant": False, "postpartum": False}, id="neither"),
        pytest.param(("chest_pain",), {"sex": "male"}, id="a man"),
        pytest.param(
            ("neurological_deficit",), {"pregnant": True, "gestation_weeks": 30}, id="no chest pain"
        ),
    ],
)
def test_outside_pregnancy_or_without_chest_pain_the_reason_is_as_before(
    policy: Policy, symptoms: tuple[str, ...], patient: dict[str, object]
) -> None:
    detail, values = _emergency(policy, 185, 112, symptoms, **patient)
    assert f": {ACTION}; measured" in detail and "pulmonary embolism" not in detail
    assert "pulmonary_embolism" not in values


@pytest.mark.parametrize(("patient", "when"), MATERNAL)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, patient: dict[str, object], when: str
) -> None:
    payload = _payload(_context(("chest_pain",), **patient), _readings(185, 112), policy)
    reason = next(r for r in payload["reasons"] if r["rule"] == "hypertensive_emergency")
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert f"{ACTION}{TOLD}" in en
    assert "立即紧急转运；胸痛：妊娠期及产后 6 周内，除急性冠脉综合征外，还须按疑似肺栓塞" in zh
    assert not english_left(zh)
    plain = _payload(_context(("chest_pain",)), _readings(185, 112), policy)
    reason = next(r for r in plain["reasons"] if r["rule"] == "hypertensive_emergency")
    assert "pulmonary embolism" not in EngineText("en", plain).rule_detail(reason)
    assert "肺栓塞" not in EngineText("zh", plain).rule_detail(reason)
