"""CDRS with the waist measured and the sex not recorded: the waist bands differ by sex (men from
<75, women from <70 cm), so the item is not scored - and the score named ``waist`` missing beside
``sex``, so the Assessment's missing inputs asked staff to measure a waist they had just measured
(``CDRS >=22 ...; incomplete, missing sex, waist``). Now only ``sex`` is named, as FINDRISC does;
the waist item stays unscored and counts toward what the missing items could add.

The real engine with the built-in policy."""

from __future__ import annotations

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy


def test_a_measured_waist_is_not_named_missing_when_the_sex_is() -> None:
    patient = PatientContext(age=50, bmi=25.0, family_history_diabetes="none")
    a = assess(patient, [ob("waist", 100), ob("sbp", 130), ob("dbp", 80)], load_policy(), now=NOW)
    cdrs = a.scores["cdrs"]
    assert cdrs.missing == ("sex",) and cdrs.components["waist"] is None and not cdrs.complete
    assert cdrs.detail.endswith("incomplete, missing sex"), cdrs.detail
    assert cdrs.band == "incomplete" and "the missing items could add up to 12" in cdrs.detail
    assert "waist" not in a.missing_inputs and "sex" in a.missing_inputs


def test_a_waist_not_measured_is_still_named() -> None:
    patient = PatientContext(age=50, sex="male", bmi=25.0, family_history_diabetes="none")
    a = assess(patient, [ob("sbp", 130), ob("dbp", 80)], load_policy(), now=NOW)
    assert a.scores["cdrs"].missing == ("waist",) and "waist" in a.missing_inputs
