"""A raised pressure after birth does not ask for a urine protein already measured.

From 140/90 mmHg in the 6 weeks after birth ``postpartum_hypertension`` said "same-day obstetric
assessment for postpartum pre-eclampsia (urine protein, symptoms: headache, visual disturbance)"
whatever the urine: with a dipstick of 2+ or an ACR measured it asked for the test already done. As
``pregnancy_hypertension`` does (06ea6050) it now asks for the urine protein only when none was
measured, and names what was: new proteinuria (1+ or more, or an ACR of 8 mg/mmol, 70.7 mg/g, or
more: NICE NG133) as suspected postpartum pre-eclampsia, else the urine measured. The level (urgent,
the same day) and its re-check are unchanged; in engine English and on the staff pages (en, zh)."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "postpartum_hypertension"
SYMPTOMS = "symptoms: headache, visual disturbance"
MOTHER = PatientContext(age=30, sex="female", postpartum=True)


def _readings(
    sbp: float, dbp: float, protein: str | None, acr: tuple[float, str] | None
) -> list[Observation]:
    readings = [ob("sbp", sbp), ob("dbp", dbp)]
    readings += [] if protein is None else [ob("urine_protein", protein)]
    readings += [] if acr is None else [ob("albumin_creatinine_ratio", *acr)]
    return readings


ENGINE = [
    pytest.param(
        "2+",
        None,
        f"for suspected postpartum pre-eclampsia (urine protein 2+ (dipstick) with this pressure; {SYMPTOMS})",
        True,
        id="2+",
    ),
    pytest.param(
        None,
        (8, "mg/mmol"),
        "for suspected postpartum pre-eclampsia (ACR 70.7 mg/g (reported 8 mg/mmol) with this pressure;"
        f" {SYMPTOMS})",
        True,
        id="acr 8 mg/mmol",
    ),
    pytest.param(
        "trace",
        (70.7, "mg/g"),
        f"for suspected postpartum pre-eclampsia (urine protein trace (dipstick) and ACR 70.7 mg/g with this"
        f" pressure; {SYMPTOMS})",
        True,
        id="trace and acr 70.7 mg/g",
    ),
    pytest.param(
        "neg",
        None,
        f"for postpartum pre-eclampsia ({SYMPTOMS}; measured: urine protein neg (dipstick))",
        False,
        id="negative",
    ),
    pytest.param(
        None,
        (70.6, "mg/g"),
        f"for postpartum pre-eclampsia ({SYMPTOMS}; measured: ACR 70.6 mg/g)",
        False,
        id="acr 70.6 mg/g",
    ),
]


@pytest.mark.parametrize(("sbp", "dbp"), [(140, 85), (130, 90), (159, 109)])
@pytest.mark.parametrize(("protein", "acr", "said", "new"), ENGINE)
def test_a_measured_urine_is_named_not_asked_for_again(
    policy: Policy,
    sbp: float,
    dbp: float,
    protein: str | None,
    acr: tuple[float, str] | None,
    said: str,
    new: bool,
) -> None:
    a = assess(MOTHER, _readings(sbp, dbp, protein, acr), policy, now=NOW)
    assert a.disposition is Disposition.urgent_referral and a.recheck_minutes == 60
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert f"same-day obstetric assessment {said}" in reason.detail, reason.detail
    assert "(urine protein, " not in reason.detail
    assert reason.values["proteinuria"] is new and reason.values["urine_protein"] == protein


def test_with_no_urine_measured_it_is_asked_for_as_before(policy: Policy) -> None:
    a = assess(MOTHER, _readings(145, 92, None, None), policy, now=NOW)
    assert a.disposition is Disposition.urgent_referral and a.recheck_minutes == 60
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert f"for postpartum pre-eclampsia (urine protein, {SYMPTOMS})" in reason.detail
    assert "proteinuria" not in reason.values


PAGES = [
    pytest.param(
        _readings(150, 95, "2+", None),
        "same-day obstetric assessment for suspected postpartum pre-eclampsia (dipstick protein 2+ with this"
        f" pressure; {SYMPTOMS})",
        "当日产科评估，疑似产后子痫前期（尿试纸蛋白 2+，伴此血压；症状：头痛、视物模糊）",
        id="suspected",
    ),
    pytest.param(
        _readings(150, 95, "neg", None),
        f"same-day obstetric assessment for postpartum pre-eclampsia ({SYMPTOMS}; measured: dipstick protein neg)",
        "当日产科评估，排查产后子痫前期（症状：头痛、视物模糊；已测：尿试纸蛋白 阴性）",
        id="measured",
    ),
    pytest.param(
        _readings(150, 95, None, None),
        f"same-day obstetric assessment for postpartum pre-eclampsia (urine protein, {SYMPTOMS})",
        "当日产科评估，排查产后子痫前期（尿蛋白、症状：头痛、视物模糊）",
        id="not measured",
    ),
]


@pytest.mark.parametrize(("readings", "en_said", "zh_said"), PAGES)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, readings: list[Observation], en_said: str, zh_said: str
) -> None:
    payload = _payload(MOTHER, readings, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert en_said in en, en
    assert zh_said in zh, zh
    assert not english_left(zh)
