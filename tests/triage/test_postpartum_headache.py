"""A headache after birth counts toward ``hypertensive_emergency`` as in pregnancy from 20 weeks.

Pre-eclampsia presents from 48 hours to 6 weeks after birth (Hauspurg and Jeyabalan, Am J Obstet
Gynecol 2022;226:S1211) and is managed as in pregnancy (ACOG Practice Bulletin 222, 2020: a new
headache is a severe feature; ACOG Committee Opinion 767: severe hypertension postpartum as in
pregnancy). ``patient.postpartum`` true with a headache recorded and a pressure of 180 and/or 110
mmHg or more was a hypertensive emergency without its symptom: the headache was dropped ("counts
in pregnancy only") and the reason said nothing of it. Both sides of each cut-point, the built-in
policy and a clinic policy that escalates; without a birth recorded (``false``, ``null``) a headache
still does not count, as for anyone not pregnant.
"""

from __future__ import annotations

import json

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping
from triage.service.pages.engine_text import EngineText

POLICIES = {
    "built-in": load_policy(),
    "clinic": policy_from_mapping(
        {
            "rules": {
                "postpartum_hypertension": {"level": "emergency_transfer"},
                "bp_grade_3": {"level": "urgent_referral"},
            }
        }
    ),
}
E = Disposition.emergency_transfer


def _assess(policy: Policy, sbp: float, dbp: float, postpartum: bool | None, symptoms: list[str]) -> object:
    patient = PatientContext(
        age=31,
        sex="female",
        pregnant=False,
        postpartum=postpartum,
        acute_symptoms=tuple(symptoms),  # type: ignore[arg-type]
    )
    return assess(patient, [ob("sbp", sbp), ob("dbp", dbp)], policy, now=NOW)


def _emergency(assessment: object) -> list[object]:
    return [r for r in assessment.reasons if r.rule == "hypertensive_emergency"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
@pytest.mark.parametrize(
    ("sbp", "dbp", "fires"),
    [(180, 100, True), (179, 100, False), (150, 110, True), (150, 109, False), (220, 130, True)],
)
def test_a_headache_after_birth_with_a_severe_pressure_is_a_hypertensive_emergency(
    policy: Policy, sbp: float, dbp: float, fires: bool
) -> None:
    a = _assess(policy, sbp, dbp, True, ["headache"])
    found = _emergency(a)
    assert bool(found) is fires, a.reasons  # type: ignore[attr-defined]
    if fires:
        (reason,) = found
        assert reason.red_flag and reason.values["acute_symptoms"] == "headache"  # type: ignore[attr-defined]
        assert reason.values["postpartum"] is True  # type: ignore[attr-defined]
        assert (
            "with headache after birth (postpartum, within 6 weeks: pre-eclampsia is possible)"
            in reason.detail
        )  # type: ignore[attr-defined]
        assert "hypertensive_emergency" in a.red_flags  # type: ignore[attr-defined]
        assert a.disposition is E  # type: ignore[attr-defined]


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
@pytest.mark.parametrize("postpartum", [False, None])
def test_without_a_birth_recorded_a_headache_still_does_not_count(
    policy: Policy, postpartum: bool | None
) -> None:
    assert not _emergency(_assess(policy, 185, 112, postpartum, ["headache"]))


def test_the_reason_names_the_headache_with_the_other_symptoms_in_their_order() -> None:
    a = _assess(POLICIES["built-in"], 185, 100, True, ["visual_loss", "headache"])
    (reason,) = _emergency(a)
    assert reason.values["acute_symptoms"] == "visual_loss, headache"  # type: ignore[attr-defined]
    assert "with visual loss, headache after birth (postpartum" in reason.detail  # type: ignore[attr-defined]


@pytest.mark.parametrize(("language", "said"), [("en", "headache after birth"), ("zh", "产后头痛")])
def test_the_staff_pages_say_after_birth_not_in_pregnancy(language: str, said: str) -> None:
    a = _assess(POLICIES["built-in"], 185, 100, True, ["headache"])
    payload = json.loads(a.model_dump_json())  # type: ignore[attr-defined]
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "hypertensive_emergency"]
    shown = EngineText(language, payload).rule_detail(reason)
    assert said in shown and "pregnancy" not in shown and "妊娠" not in shown, shown
