"""What a recorded acute symptom means, said for the patient in front of the nurse: a child, a pregnant
woman (``triage.rules.symptoms``).

A 9-year-old's chest pain was read as an adult's: "acute coronary syndrome or aortic dissection
suspected until an ECG and a clinician exclude them", citing NICE CG95, a guideline for adults. In a
child chest pain is rarely from the heart and an ACS very rare; the serious causes a clinician excludes
first are others (RCH Melbourne clinical practice guideline, Chest pain: myocarditis, pericarditis, an
arrhythmia, a pneumothorax, a pulmonary embolism). The emergency transfer stays: no paediatric source
lowers it. A child's new neurological deficit is a suspected stroke too, with a capillary glucose
within 15 minutes (RCPCH Stroke in childhood 2017, 29 days to 18 years; NICE NG128 is for 16 and
over). Breathlessness asked for "the NEWS2 observations" of a child under 16 and of a pregnant woman,
where NEWS2 is not used (RCP 2017): their observations are read on a paediatric or maternity early
warning score. Under 18 in completed years; with the age unknown the adult wording, as before."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

ADULT_CHEST = "acute coronary syndrome or aortic dissection suspected"
CHILD_CHEST = (
    "chest pain recorded now (blood pressure 124/78 mmHg): in a child chest pain is rarely from the heart"
    " and an acute coronary syndrome is very rare, but a serious cause - myocarditis or pericarditis, an"
    " arrhythmia, a pneumothorax, a pulmonary embolism - is not excluded until a clinician examines the"
    " child and reads an ECG: emergency transfer now"
)
CHILD_DEFICIT = (
    "a new neurological deficit recorded now (blood pressure 124/78 mmHg): stroke suspected (time-critical;"
    " children have strokes too) - check capillary glucose within 15 minutes: emergency transfer now"
)


def _readings() -> list[Observation]:
    return [*normal_vitals(), ob("dbp", 78)]


def _assess(policy: Policy, symptoms: list[str], **patient: object) -> Assessment:
    context = PatientContext(**{"sex": "male", **patient}, acute_symptoms=symptoms)  # type: ignore[arg-type]
    return assess(context, _readings(), policy, now=NOW)


def _reason(a: Assessment, rule: str) -> str:
    (detail,) = [r.detail for r in a.reasons if r.rule == rule]
    return detail


def _birth(years_ago: int, tomorrow: bool = False) -> str:
    """A birth date whose ``years_ago``-th birthday is on the assessment day, or the day after it."""
    day = NOW.date()
    return (date(day.year - years_ago, day.month, day.day) + timedelta(days=int(tomorrow))).isoformat()


@pytest.mark.parametrize("age", [0, 9, 15, 17])
def test_a_childs_chest_pain_is_said_as_a_childs_and_stays_an_emergency(policy: Policy, age: int) -> None:
    a = _assess(policy, ["chest_pain"], age=age)
    assert a.disposition is Disposition.emergency_transfer
    (reason,) = [r for r in a.reasons if r.rule == "acute_symptom_emergency"]
    assert reason.red_flag and reason.values == {"acute_symptoms": "chest_pain", "child": True}
    assert reason.detail == CHILD_CHEST and ADULT_CHEST not in reason.detail


@pytest.mark.parametrize(("birth", "child"), [(_birth(18, tomorrow=True), True), (_birth(18), False)])
def test_the_18th_birthday_switches_to_the_adult_wording(policy: Policy, birth: str, child: bool) -> None:
    detail = _reason(_assess(policy, ["chest_pain"], birth_date=birth), "acute_symptom_emergency")
    assert (detail == CHILD_CHEST) is child and (ADULT_CHEST in detail) is not child


@pytest.mark.parametrize("patient", [{"age": 18}, {"age": 55}, {}])
def test_an_adult_or_an_unknown_age_keeps_the_acs_wording(policy: Policy, patient: dict[str, object]) -> None:
    detail = _reason(_assess(policy, ["chest_pain"], **patient), "acute_symptom_emergency")
    assert ADULT_CHEST in detail and "in a child" not in detail


def test_a_childs_neurological_deficit_is_a_suspected_stroke_with_a_glucose(policy: Policy) -> None:
    a = _assess(policy, ["neurological_deficit"], age=7)
    assert a.disposition is Disposition.emergency_transfer
    assert _reason(a, "acute_symptom_emergency") == CHILD_DEFICIT
    adult = _reason(_assess(policy, ["neurological_deficit"], age=40), "acute_symptom_emergency")
    assert adult.endswith("stroke suspected (time-critical): emergency transfer now")


@pytest.mark.parametrize(
    ("patient", "said"),
    [
        ({"age": 15}, "read them on a paediatric early warning score (PEWS): NEWS2 is not used under 16"),
        (
            {"age": 30, "sex": "female", "pregnant": True, "gestation_weeks": 12},
            "read them on a maternity early warning score (MEWS/MEOWS): NEWS2 is not used in pregnancy",
        ),
    ],
)
def test_breathlessness_where_news2_is_not_used_names_the_score_that_is(
    policy: Policy, patient: dict[str, object], said: str
) -> None:
    a = _assess(policy, ["dyspnoea"], **patient)
    assert a.scores["news2"].applicable is False
    assert a.disposition is Disposition.urgent_referral
    detail = _reason(a, "acute_symptom_urgent")
    assert said in detail and "NEWS2 observations" not in detail


@pytest.mark.parametrize("age", [16, 40])
def test_breathlessness_where_news2_is_used_asks_for_its_observations(policy: Policy, age: int) -> None:
    detail = _reason(_assess(policy, ["dyspnoea"], age=age), "acute_symptom_urgent")
    assert "measure the NEWS2 observations now" in detail


def test_the_staff_pages_say_the_childs_wording_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(age=9, acute_symptoms=("chest_pain", "neurological_deficit", "dyspnoea"))
    payload = _payload(patient, _readings(), policy)
    emergency, urgent = (
        next(r for r in payload["reasons"] if r["rule"] == rule)
        for rule in ("acute_symptom_emergency", "acute_symptom_urgent")
    )
    en, zh = EngineText("en", payload), EngineText("zh", payload)
    shown = en.rule_detail(emergency)
    assert "in a child chest pain is rarely from the heart" in shown and ADULT_CHEST not in shown
    assert "children have strokes too" in shown and "confusion" not in shown
    assert "儿童胸痛很少源于心脏" in zh.rule_detail(emergency)
    assert "急性冠脉综合征或主动脉夹层处理" not in zh.rule_detail(emergency)
    assert "儿童也会发生卒中" in zh.rule_detail(emergency)
    assert "paediatric early warning score" in en.rule_detail(urgent)
    assert "儿童早期预警评分" in zh.rule_detail(urgent) and "NEWS2 各项" not in zh.rule_detail(urgent)
    adult = _payload(patient.model_copy(update={"age": 40}), _readings(), policy)
    adult_emergency = next(r for r in adult["reasons"] if r["rule"] == "acute_symptom_emergency")
    assert ADULT_CHEST in EngineText("en", adult).rule_detail(adult_emergency)
