"""A sign of pre-eclampsia recorded in pregnancy or after birth with no blood pressure measured.

A headache or right upper quadrant / epigastric pain counts (``triage.patient.PRE_ECLAMPSIA_SYMPTOMS``)
only beside a pressure of 140 and/or 90 mmHg or more, where it makes pre-eclampsia with severe
features an emergency transfer. With no pressure measured it was read by nothing: a woman at 30
weeks with a headache recorded and a random glucose of 6.0 mmol/L was local care, re-check in 30
days, the headache named nowhere and the one reading that decides it not asked for - where NICE
NG133 1.1.1 has a pregnant woman with these symptoms seen immediately, and the first thing that
assessment needs is her blood pressure. Now ``pre_eclampsia_symptom_no_pressure`` (local care,
re-check now: no referral is made on it) names the symptom and asks for the pressure now, saying
what it would mean; as soon as a pressure is measured the rule is silent and the pressure rules
decide. Nothing changes before 20 weeks, outside pregnancy and the weeks after birth, or for the
symptoms that are read at any pressure (they route the patient on their own)."""

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

RULE = "pre_eclampsia_symptom_no_pressure"
L, E, U = Disposition.local_care, Disposition.emergency_transfer, Disposition.urgent_referral
INSUFFICIENT = Disposition.insufficient_data


def _assess(
    policy: Policy, readings: list[Observation], symptoms: list[str], **patient: object
) -> Assessment:
    fields: dict[str, object] = {"age": 28, "sex": "female", "acute_symptoms": symptoms, **patient}
    return assess(PatientContext(**fields), readings, policy, now=NOW)  # type: ignore[arg-type]


PREGNANT_30 = {"pregnant": True, "gestation_weeks": 30}
AFTER_BIRTH = {"pregnant": False, "postpartum": True}


@pytest.mark.parametrize(
    ("symptom", "patient", "said"),
    [
        ("headache", PREGNANT_30, "headache in pregnancy at 30 weeks"),
        ("epigastric_pain", PREGNANT_30, "right upper quadrant or epigastric pain in pregnancy at 30 weeks"),
        (
            "headache",
            {"pregnant": True},
            "headache in pregnancy (weeks of pregnancy not recorded: counted as from 20 weeks",
        ),
        ("headache", AFTER_BIRTH, "headache after birth (postpartum, within 6 weeks"),
    ],
)
def test_the_symptom_is_named_and_the_pressure_asked_for_now(
    policy: Policy, symptom: str, patient: dict[str, object], said: str
) -> None:
    a = _assess(policy, [ob("glucose_random", 6.0)], [symptom], **patient)
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    # no referral on it, but not in 30 days (the pain is a same-day assessment of its own: HELLP)
    assert a.disposition is (U if symptom == "epigastric_pain" else L) and a.recheck_minutes == 0
    assert reason.values["acute_symptoms"] == symptom and not reason.red_flag
    assert reason.detail.startswith(said), reason.detail
    assert (
        "recorded with no blood pressure measured: measure it now - with 140 and/or 90 mmHg or more it is"
        " pre-eclampsia with severe features (emergency transfer to an obstetric unit)"
    ) in reason.detail


def test_with_nothing_measured_it_is_said_beside_insufficient_data(policy: Policy) -> None:
    a = _assess(policy, [], ["headache"], **PREGNANT_30)
    assert a.disposition is INSUFFICIENT and RULE in {r.rule for r in a.reasons}


@pytest.mark.parametrize(
    ("readings", "disposition"),
    [
        ([ob("sbp", 150), ob("dbp", 95)], E),  # the pre-eclampsia rule decides
        ([ob("sbp", 118), ob("dbp", 72)], L),  # a normal pressure: a headache alone is no sign
        ([ob("sbp", 150)], E),  # one pressure is enough to know
    ],
)
def test_once_a_pressure_is_measured_it_is_silent(
    policy: Policy, readings: list[Observation], disposition: Disposition
) -> None:
    a = _assess(policy, readings, ["headache"], **PREGNANT_30)
    assert RULE not in {r.rule for r in a.reasons} and a.disposition is disposition


@pytest.mark.parametrize(
    ("symptoms", "patient"),
    [
        (["headache"], {"pregnant": True, "gestation_weeks": 19}),
        (["headache"], {"pregnant": False}),
        (["headache"], {"sex": "male"}),
        ([], PREGNANT_30),
        (["chest_pain"], PREGNANT_30),  # read at any pressure: its own emergency
    ],
)
def test_not_before_20_weeks_nor_outside_pregnancy_nor_for_the_other_symptoms(
    policy: Policy, symptoms: list[str], patient: dict[str, object]
) -> None:
    a = _assess(policy, [ob("glucose_random", 6.0)], symptoms, **patient)
    assert RULE not in {r.rule for r in a.reasons}


def test_beside_visual_loss_it_asks_for_the_pressure_too(policy: Policy) -> None:
    """Visual loss is a same-day assessment at any pressure; at 30 weeks the pressure it needs
    is asked for now as well, the headache beside it named."""
    a = _assess(policy, [ob("glucose_random", 6.0)], ["visual_loss", "headache"], **PREGNANT_30)
    rules = {r.rule: r for r in a.reasons}
    assert a.disposition is U and rules[RULE].values["acute_symptoms"] == "visual_loss, headache"


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "headache in pregnancy"), ("zh", "妊娠期头痛"), ("zh", "未测血压")],
)
def test_the_staff_pages_say_it_in_both_languages(policy: Policy, language: str, said: str) -> None:
    a = _assess(policy, [ob("glucose_random", 6.0)], ["headache"], **PREGNANT_30)
    payload = json.loads(a.model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    shown = EngineText(language, payload).rule_detail(reason)
    assert said in shown, shown
