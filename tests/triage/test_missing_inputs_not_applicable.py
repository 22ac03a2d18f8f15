"""A score that cannot apply names no input missing. China-PAR (35-74 years) and the PCE (40-79,
and their cholesterol and pressure ranges) outside their range kept every input they lacked in
``missing``, so the Assessment's missing inputs asked for a 6-year-old's cholesterol, smoking,
region and family history of cardiovascular disease (examples/child-vitals.json), and an
80-year-old's too: nothing given would make either score apply. The scores that do apply still
name what they lack.

The real engine with the built-in policy."""

from __future__ import annotations

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy

ONLY_CARDIOVASCULAR = {"total_cholesterol", "hdl_cholesterol", "current_smoker", "region_north", "urban"}


def test_a_child_is_not_asked_for_the_cardiovascular_equations_inputs() -> None:
    a = assess(PatientContext(age=6, sex="female"), normal_vitals(), load_policy(), now=NOW)
    assert a.scores["china_par"].band == "not_applicable" and a.scores["pce"].band == "not_applicable"
    assert a.scores["china_par"].missing == () and a.scores["pce"].missing == ()
    assert not ONLY_CARDIOVASCULAR & set(a.missing_inputs), a.missing_inputs
    assert "family_history_ascvd" not in a.missing_inputs


def test_past_both_equations_ages_nothing_is_asked_for_them() -> None:
    a = assess(PatientContext(age=80, sex="male"), normal_vitals(), load_policy(), now=NOW)
    assert not ONLY_CARDIOVASCULAR & set(a.missing_inputs), a.missing_inputs
    assert "physically_active" in a.missing_inputs, "FINDRISC applies at 80 and still asks"


def test_a_pressure_outside_the_pce_range_leaves_china_par_asking() -> None:
    readings = [ob("sbp", 210), ob("dbp", 100)]
    a = assess(PatientContext(age=50, sex="male"), readings, load_policy(), now=NOW)
    assert a.scores["pce"].band == "not_applicable" and a.scores["pce"].missing == ()
    assert {"total_cholesterol", "current_smoker"} <= set(a.scores["china_par"].missing)
    assert {"total_cholesterol", "current_smoker"} <= set(a.missing_inputs)


def test_within_the_ages_the_inputs_are_asked_for() -> None:
    a = assess(PatientContext(age=50, sex="male"), normal_vitals(), load_policy(), now=NOW)
    assert set(a.missing_inputs) >= ONLY_CARDIOVASCULAR
