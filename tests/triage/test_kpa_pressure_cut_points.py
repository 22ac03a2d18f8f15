"""A blood pressure sent in kPa is classified as the whole mmHg it stands for. A kPa device (a
Bluetooth LE cuff set to kPa sends 0.1 kPa steps, 0.75 mmHg each) shows 160 mmHg as 21.3 kPa, which
is 159.76 mmHg exactly: taken as that, it was grade 1, not grade 2, and in pregnancy not severe
hypertension - an emergency transfer (ACOG 767) left an urgent referral. On the other side 24.0 kPa
(180 mmHg) is 180.015: a hypertensive crisis (>180) and an urgent referral; 14.7 kPa (110 mmHg
diastolic) fired HEARTS-D's >110, 8.0 kPa (60) missed CRB-65's <=60. Now the kPa reading is
converted to the whole mmHg a pressure is recorded in (half up), and every published cut-point
given as a kPa device shows it is classified as the mmHg one.

The real engine with the built-in policy: each cut-point and the whole mmHg either side, for an
adult of 70 (CRB-65's age point), a pregnant woman and an adolescent (the AAP 2017 stages)."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.units import MMHG_PER_KPA

# every cut-point a blood-pressure score or rule has, mmHg (NEWS2, qSOFA, CRB-65, the Chinese
# grades, AAP 2017, ACC/AHA, the crisis, HEARTS-D, pregnancy, CDRS)
CUTS = {
    "sbp": (90, 100, 110, 120, 130, 140, 150, 160, 180, 200, 220),
    "dbp": (60, 80, 90, 100, 110, 120),
}
PATIENTS = {
    "adult of 70": PatientContext(age=70, sex="male", acute_symptoms=()),
    "pregnant": PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=30, acute_symptoms=()),
    "adolescent": PatientContext(age=15, sex="female", acute_symptoms=()),
}


def as_a_kpa_device_shows(mmhg: int) -> float:
    return round(mmhg / MMHG_PER_KPA, 1)


def summary(a: Assessment) -> tuple[object, ...]:
    pressure = a.scores["blood_pressure"]
    points = {
        name: (a.scores[name].value, a.scores[name].band) for name in ("news2", "qsofa", "crb65", "cdrs")
    }
    return a.disposition, sorted(r.rule for r in a.reasons), pressure.band, pressure.flags, points


CASES = [
    (code, mmhg, who)
    for code, cuts in CUTS.items()
    for cut in cuts
    for mmhg in (cut - 1, cut, cut + 1)
    # the whole mmHg a 0.1 kPa step can show (0.75 mmHg apart, some whole mmHg have none)
    if round(as_a_kpa_device_shows(mmhg) * MMHG_PER_KPA) == mmhg
    for who in PATIENTS
]


@pytest.mark.parametrize(("code", "mmhg", "who"), CASES)
def test_a_pressure_in_kpa_is_classified_as_the_mmhg_it_stands_for(code: str, mmhg: int, who: str) -> None:
    patient, policy = PATIENTS[who], load_policy()
    kpa = as_a_kpa_device_shows(mmhg)
    in_kpa = assess(patient, [ob(code, kpa, "kPa")], policy, now=NOW)
    in_mmhg = assess(patient, [ob(code, mmhg)], policy, now=NOW)
    assert summary(in_kpa) == summary(in_mmhg), (kpa, mmhg)
    assert in_kpa.observations_used[0].value == mmhg


def test_severe_hypertension_in_pregnancy_sent_in_kpa_is_an_emergency_transfer() -> None:
    readings = [ob("sbp", 21.3, "kPa"), ob("dbp", 12.0, "kPa")]  # 160/90 mmHg
    a = assess(PATIENTS["pregnant"], readings, load_policy(), now=NOW)
    assert a.disposition.value == "emergency_transfer"
    assert "pregnancy_severe_hypertension" in a.red_flags
    (reason,) = [r for r in a.reasons if r.rule == "pregnancy_severe_hypertension"]
    assert "160/90 mmHg" in reason.detail, reason.detail


def test_a_crisis_is_not_read_into_24_kpa() -> None:
    a = assess(
        PATIENTS["adult of 70"], [ob("sbp", 24.0, "kPa"), ob("dbp", 13.3, "kPa")], load_policy(), now=NOW
    )
    assert a.scores["blood_pressure"].band == "grade_3" and "hypertensive_crisis" not in a.red_flags
    assert (a.observations_used[0].value, a.observations_used[1].value) == (180.0, 100.0)
