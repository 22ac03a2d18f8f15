"""A child's or a pregnant woman's vital signs NEWS2 does not score are said, and assessed now, beside a
non-emergency referral too (``triage.assess``, ``triage.readings.vitals_not_scored``).

NEWS2 is not used under 16 or in pregnancy (RCP 2017) and no other rule reads a pulse, a breathing
rate or a temperature, so with nothing above local care the answer is ``insufficient_data`` and a note
asks a clinician to assess them now. But a routine referral from another reading dropped them: a woman
at 33 weeks with a pulse of 118 /min, breathing 24 /min and 38.4 C (fever and tachycardia: a maternity
early warning score would call for review) and an ACR of 12 mg/mmol was "refer (non-emergency)",
re-checked in 7 days, the vital signs named nowhere. Now the note is there and the re-check is now;
the disposition stays (a referral is never lowered)."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy

FEVER = [ob("heart_rate", 118), ob("resp_rate", 24), ob("temperature", 38.4)]
SAID = "heart_rate 118 /min, resp_rate 24 /min, temperature 38.4 Cel not scored by NEWS2 (not applicable: "


def _assess(policy: Policy, readings: list[Observation], **patient: object) -> Assessment:
    return assess(PatientContext(**patient), readings, policy, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("patient", "referral"),
    [
        (
            {"age": 31, "sex": "female", "pregnant": True, "gestation_weeks": 33},
            [ob("albumin_creatinine_ratio", 12, "mg/mmol")],
        ),
        ({"age": 8, "sex": "male"}, [ob("egfr", 45)]),
        ({"age": 14, "sex": "female"}, [ob("sbp", 142), ob("dbp", 80)]),
    ],
    ids=["pregnant-acr", "child-egfr", "adolescent-stage-2"],
)
def test_beside_a_routine_referral_the_unscored_vitals_are_said_and_assessed_now(
    policy: Policy, patient: dict[str, object], referral: list[Observation]
) -> None:
    a = _assess(policy, [*referral, *FEVER], **patient)
    assert a.disposition is Disposition.routine_referral
    assert a.recheck_minutes == 0
    (note,) = [n for n in a.notes if "not scored by NEWS2" in n]
    assert note.startswith(SAID) and note.endswith("a clinician must assess them now"), note


def test_the_same_referral_without_those_readings_keeps_its_own_interval(policy: Policy) -> None:
    pregnant = {"age": 31, "sex": "female", "pregnant": True, "gestation_weeks": 33}
    a = _assess(policy, [ob("albumin_creatinine_ratio", 12, "mg/mmol")], **pregnant)
    assert a.disposition is Disposition.routine_referral and a.recheck_minutes > 0
    assert not [n for n in a.notes if "not scored by NEWS2" in n]


def test_an_adult_whose_news2_reads_them_is_not_noted(policy: Policy) -> None:
    a = _assess(policy, [ob("albumin_creatinine_ratio", 12, "mg/mmol"), *FEVER], age=31, sex="female")
    assert a.scores["news2"].applicable
    assert not [n for n in a.notes if "not scored by NEWS2" in n]
