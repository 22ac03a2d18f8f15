"""Right upper quadrant or epigastric pain in pregnancy from 20 weeks or after birth is a same-day
obstetric assessment at any pressure: HELLP syndrome can present without a raised pressure.

``epigastric_pain`` counted only beside 140 and/or 90 mmHg (``pre_eclampsia_severe_features``): a
woman at 34 weeks with 138/88 mmHg, urine protein 2+ and that pain was local care (repeat the
dipstick within a week), the pain read by no rule. HELLP syndrome (haemolysis, elevated liver
enzymes, low platelets) presents with right upper quadrant or epigastric pain in most women and with
a raised pressure in only 33-88 % of them (BMJ Best Practice, HELLP syndrome; ACOG Practice Bulletin
222, 2020: it may be the first sign of pre-eclampsia), and only blood tests tell: now below 140/90,
or with no pressure measured, the pain is read as breathlessness and visual loss are
(``acute_symptom_urgent``, a red flag): a same-day obstetric assessment, platelets and liver enzymes
named. From 140/90 ``pre_eclampsia_severe_features`` names it instead (an emergency transfer);
before 20 weeks and outside pregnancy and the weeks after birth it is still no sign."""

from __future__ import annotations

import json

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

U, E = Disposition.urgent_referral, Disposition.emergency_transfer
RULE = "acute_symptom_urgent"
SAID = (
    "HELLP syndrome can present without a raised blood pressure: same-day obstetric assessment"
    " (platelets, liver enzymes): same-day clinical assessment (refer urgently)"
)


def _assess(policy: Policy, readings: list[Observation], **patient: object) -> Assessment:
    fields: dict[str, object] = {"age": 33, "sex": "female", "acute_symptoms": ["epigastric_pain"], **patient}
    return assess(PatientContext(**fields), readings, policy, now=NOW)  # type: ignore[arg-type]


def _reasons(a: Assessment) -> dict[str, object]:
    return {r.rule: r for r in a.reasons}


@pytest.mark.parametrize(
    ("patient", "named", "postpartum"),
    [
        ({"pregnant": True, "gestation_weeks": 34}, "in pregnancy", None),
        ({"pregnant": True, "gestation_weeks": 20}, "in pregnancy", None),
        ({"pregnant": True}, "in pregnancy", None),
        ({"pregnant": False, "postpartum": True}, "after birth", True),
    ],
)
def test_below_140_90_it_is_a_same_day_obstetric_assessment(
    policy: Policy, patient: dict[str, object], named: str, postpartum: bool | None
) -> None:
    a = _assess(policy, [ob("sbp", 138), ob("dbp", 88), ob("urine_protein", "2+")], **patient)
    reason = _reasons(a)[RULE]
    assert a.disposition is U and RULE in a.red_flags
    assert reason.values["acute_symptoms"] == "epigastric_pain"  # type: ignore[attr-defined]
    assert reason.values.get("postpartum") is postpartum  # type: ignore[attr-defined]
    assert reason.detail == (  # type: ignore[attr-defined]
        f"right upper quadrant or epigastric pain {named} recorded now (blood pressure 138/88 mmHg): {SAID}"
    )


def test_with_no_pressure_it_routes_her_and_the_pressure_is_asked_for(policy: Policy) -> None:
    a = _assess(policy, [ob("glucose_random", 5.0)], pregnant=True, gestation_weeks=34)
    assert a.disposition is U and {RULE, "pre_eclampsia_symptom_no_pressure"} <= set(_reasons(a))


def test_from_140_90_the_pre_eclampsia_rule_names_it_alone(policy: Policy) -> None:
    a = _assess(policy, [ob("sbp", 150), ob("dbp", 95)], pregnant=True, gestation_weeks=34)
    assert a.disposition is E and "pre_eclampsia_severe_features" in _reasons(a) and RULE not in _reasons(a)


@pytest.mark.parametrize(
    "patient",
    [
        {"pregnant": True, "gestation_weeks": 19},
        {"pregnant": False},
        {"pregnant": False, "postpartum": False},
        {"sex": "male", "age": 50},
    ],
)
def test_before_20_weeks_or_outside_pregnancy_it_is_no_sign(
    policy: Policy, patient: dict[str, object]
) -> None:
    a = _assess(policy, [ob("sbp", 120), ob("dbp", 80)], **patient)
    assert RULE not in _reasons(a) and a.disposition is Disposition.local_care


def test_beside_breathlessness_each_is_named_with_what_it_means(policy: Policy) -> None:
    a = _assess(
        policy,
        [ob("sbp", 120), ob("dbp", 80)],
        pregnant=True,
        gestation_weeks=30,
        acute_symptoms=["dyspnoea", "epigastric_pain"],
    )
    detail = _reasons(a)[RULE].detail  # type: ignore[attr-defined]
    assert detail.startswith(
        "breathlessness, right upper quadrant or epigastric pain in pregnancy recorded now (blood pressure"
        " 120/80 mmHg): breathlessness: measure the observations now (respiration rate, SpO2, pulse) and"
        " read them on a maternity early warning score (MEWS/MEOWS): NEWS2 is not used in pregnancy"
    ), detail
    assert "; right upper quadrant or epigastric pain in pregnancy: HELLP syndrome" in detail


@pytest.mark.parametrize(
    ("language", "postpartum", "said"),
    [
        ("en", False, "right upper quadrant or epigastric pain in pregnancy"),
        ("en", False, "HELLP syndrome"),
        ("zh", False, "妊娠期上腹部或右上腹痛"),
        ("zh", False, "HELLP 综合征"),
        ("zh", True, "产后上腹部或右上腹痛"),
    ],
)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, language: str, postpartum: bool, said: str
) -> None:
    patient = (
        {"pregnant": False, "postpartum": True} if postpartum else {"pregnant": True, "gestation_weeks": 30}
    )
    a = _assess(policy, [ob("sbp", 120), ob("dbp", 80)], **patient)
    payload = json.loads(a.model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    shown = EngineText(language, payload).rule_detail(reason)
    assert said in shown, shown
