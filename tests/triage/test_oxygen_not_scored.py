"""A child or a pregnant woman on supplemental oxygen is not local care with a re-check in 30 days.

Supplemental oxygen is read by NEWS2 alone (RCP 2017 Chart 1: any supplemental oxygen scores 2): an
adult on oxygen at 97 % scores 2 (``news2_low_elevated``, re-assessed within hours). NEWS2 is not used
under 16 or in pregnancy, and no other rule reads the oxygen, so a 4-year-old or a woman at 30 weeks on
oxygen with a SpO2 of 97 % was ``local_care``, re-checked in 30 days, nothing said - as a pulse or a
temperature NEWS2 does not score would have been, had ``triage.readings.vitals_not_scored`` not
listed those. It lists the oxygen now: no local-care decision from it (``insufficient_data``), a
clinician assesses it now; beside a routine referral it is said and the re-check is now. On air, and
for an adult whose NEWS2 scores it, nothing changes."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

NOT_NEWS2 = {
    "child of 4": {"age": 4},
    "child of 15": {"age": 15, "sex": "female"},
    "30 weeks pregnant": {"age": 30, "sex": "female", "pregnant": True, "gestation_weeks": 30},
}
SAID = "supplemental_o2 oxygen not scored by NEWS2 (not applicable: "


def _assess(policy: Policy, readings: list[Observation], **patient: object) -> Assessment:
    return assess(PatientContext(**patient), readings, policy, now=NOW)  # type: ignore[arg-type]


def _notes(a: Assessment) -> list[str]:
    return [n for n in a.notes if "not scored by NEWS2" in n]


@pytest.mark.parametrize("patient", list(NOT_NEWS2))
@pytest.mark.parametrize("spo2", [96, 97, 100])
def test_on_oxygen_where_news2_is_not_used_a_clinician_assesses_it_now(
    policy: Policy, patient: str, spo2: float
) -> None:
    a = _assess(policy, [ob("spo2", spo2), ob("supplemental_o2", "oxygen")], **NOT_NEWS2[patient])
    assert a.disposition is Disposition.insufficient_data and a.recheck_minutes == 0
    (note,) = _notes(a)
    assert note.startswith(SAID) and note.endswith("a clinician must assess them now"), note


@pytest.mark.parametrize("patient", list(NOT_NEWS2))
def test_on_air_it_stays_local_care(policy: Policy, patient: str) -> None:
    a = _assess(policy, [ob("spo2", 97), ob("supplemental_o2", "air")], **NOT_NEWS2[patient])
    assert a.disposition is Disposition.local_care and not _notes(a)


def test_beside_a_routine_referral_it_is_said_and_assessed_now(policy: Policy) -> None:
    readings = [
        ob("spo2", 97),
        ob("supplemental_o2", "oxygen"),
        ob("albumin_creatinine_ratio", 12, "mg/mmol"),
    ]
    a = _assess(policy, readings, **NOT_NEWS2["30 weeks pregnant"])
    assert a.disposition is Disposition.routine_referral and a.recheck_minutes == 0
    (note,) = _notes(a)
    assert note.startswith(SAID), note


def test_with_a_pulse_beside_it_both_are_named(policy: Policy) -> None:
    a = _assess(policy, [ob("heart_rate", 120), ob("spo2", 97), ob("supplemental_o2", "oxygen")], age=4)
    (note,) = _notes(a)
    assert note.startswith("heart_rate 120 /min, supplemental_o2 oxygen not scored by NEWS2 ("), note


def test_an_adult_on_oxygen_is_scored_by_news2_as_before(policy: Policy) -> None:
    a = _assess(policy, [ob("spo2", 97), ob("supplemental_o2", "oxygen")], age=40)
    assert "news2_low_elevated" in [r.rule for r in a.reasons] and not _notes(a)


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    payload = _payload(PatientContext(age=4), [ob("spo2", 97), ob("supplemental_o2", "oxygen")], policy)
    (note,) = [n for n in payload["notes"] if "not scored by NEWS2" in n]
    en, zh = EngineText("en", payload).note(note), EngineText("zh", payload).note(note)
    # the answer that names the reading whole ("supplemental oxygen"), not the readings table's label
    # and then its answer ("air or oxygen oxygen" until 2026-12-07: tests/service/test_page_wording.py)
    assert en.startswith("supplemental oxygen not scored by NEWS2 (not applicable: age 4 years;"), en
    assert zh.startswith("吸氧：未经 NEWS2 评分（不适用：年龄 4 岁；"), zh
