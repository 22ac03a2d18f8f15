"""Weeks of pregnancy (``patient.gestation_weeks``, completed weeks 1-45, with ``pregnant`` true).

Pre-eclampsia is a diagnosis from 20 weeks (ACOG Practice Bulletin 222, 2020; ISSHP 2018), so a
headache counts as its sign - an acute symptom of a hypertensive emergency - from 20 weeks only;
with the weeks not recorded it still counts (conservative, as before) and the reason says so.
Severe hypertension in pregnancy (>=160 and/or >=110) is an obstetric emergency at any gestation
(ACOG Committee Opinion 767: prenatal, intrapartum and postpartum alike); its reason names the weeks.
Before, the weeks could not be recorded: a headache at 8 weeks counted as pre-eclampsia."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition, Reason
from triage.errors import UserInputError
from triage.patient import PatientContext, patient_from_mapping
from triage.policy import load_policy

POLICY = load_policy()
UNKNOWN = "weeks of pregnancy not recorded: counted as from 20 weeks, when pre-eclampsia is possible"


def _assess(sbp: float, dbp: float, **patient: object) -> Assessment:
    return assess(PatientContext(**patient), [ob("sbp", sbp), ob("dbp", dbp)], POLICY, now=NOW)  # type: ignore[arg-type]


def _reason(a: Assessment, rule: str) -> Reason | None:
    found = [r for r in a.reasons if r.rule == rule]
    return found[0] if found else None


@pytest.mark.parametrize(
    ("weeks", "counted", "said"),
    [
        (1, False, None),
        (19, False, None),
        (20, True, "headache in pregnancy at 20 weeks"),
        (38, True, "headache in pregnancy at 38 weeks"),
        (None, True, f"headache in pregnancy ({UNKNOWN})"),
    ],
)
def test_a_headache_counts_from_20_weeks_or_with_the_weeks_unknown(
    weeks: int | None, counted: bool, said: str | None
) -> None:
    """An adult at 185/100 with a headache: pregnancy_severe_hypertension is the emergency either
    way; hypertensive_emergency fires on the headache from 20 weeks or with the weeks unknown."""
    a = _assess(
        185, 100, age=30, sex="female", pregnant=True, gestation_weeks=weeks, acute_symptoms=["headache"]
    )
    emergency = _reason(a, "hypertensive_emergency")
    assert (emergency is not None) is counted, a.reasons
    if emergency is not None:
        assert said is not None and f"with {said}: hypertensive emergency" in emergency.detail, (
            emergency.detail
        )
        assert emergency.values["gestation_weeks"] == weeks
    assert a.disposition is Disposition.emergency_transfer


@pytest.mark.parametrize(
    ("weeks", "disposition"),
    [
        (19, Disposition.urgent_referral),
        (20, Disposition.emergency_transfer),
        (None, Disposition.emergency_transfer),
    ],
)
def test_a_pregnant_adolescent_with_a_headache_at_stage_2_is_an_emergency_from_20_weeks(
    weeks: int | None, disposition: Disposition
) -> None:
    """At 16, 150/95 (AAP stage 2, below the pregnancy severe range) with a headache: from 20 weeks
    (or unknown) a sign of severe pre-eclampsia, an emergency; at 19 weeks pre-eclampsia is not the
    diagnosis - the raised pressure in pregnancy stays a same-day (urgent) obstetric referral."""
    a = _assess(
        150, 95, age=16, sex="female", pregnant=True, gestation_weeks=weeks, acute_symptoms=["headache"]
    )
    assert a.disposition is disposition, a.reasons
    assert "pregnancy_hypertension" in a.red_flags


def test_before_20_weeks_the_other_symptoms_still_count_without_the_headache() -> None:
    a = _assess(
        182,
        100,
        age=30,
        sex="female",
        pregnant=True,
        gestation_weeks=12,
        acute_symptoms=["chest_pain", "headache"],
    )
    emergency = _reason(a, "hypertensive_emergency")
    assert emergency is not None and emergency.values["acute_symptoms"] == "chest_pain"
    assert "gestation_weeks" not in emergency.values and "headache" not in emergency.detail


@pytest.mark.parametrize("weeks", [6, 19, 20, 41, None])
def test_severe_hypertension_in_pregnancy_is_an_emergency_at_any_gestation(weeks: int | None) -> None:
    a = _assess(165, 100, age=30, sex="female", pregnant=True, gestation_weeks=weeks)
    severe = _reason(a, "pregnancy_severe_hypertension")
    assert severe is not None and a.disposition is Disposition.emergency_transfer
    assert severe.values["gestation_weeks"] == weeks
    shown = "in pregnancy (>=160" if weeks is None else f"in pregnancy at {weeks} weeks (>=160"
    assert shown in severe.detail, severe.detail


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (0, "patient.gestation_weeks: Input should be greater than or equal to 1 (got 0)"),
        (46, "patient.gestation_weeks: Input should be less than or equal to 45 (got 46)"),
        (20.5, "patient.gestation_weeks: must be a whole number, without a decimal point"),
        ("20", "patient.gestation_weeks: must be a number"),
        (True, "patient.gestation_weeks: must be a number"),
    ],
)
def test_weeks_that_are_not_1_to_45_whole_are_refused_naming_the_field(given: object, said: str) -> None:
    with pytest.raises(UserInputError) as info:
        patient_from_mapping({"sex": "female", "pregnant": True, "gestation_weeks": given})
    assert str(info.value).startswith(said), str(info.value)


@pytest.mark.parametrize(("pregnant", "stated"), [(False, "false"), (None, "not recorded (null)")])
def test_weeks_without_a_pregnancy_are_refused_naming_both_fields(pregnant: bool | None, stated: str) -> None:
    with pytest.raises(UserInputError) as info:
        patient_from_mapping({"pregnant": pregnant, "gestation_weeks": 24}, where="case.json: patient")
    assert str(info.value) == (
        f"case.json: patient.gestation_weeks, patient.pregnant: 24 weeks of pregnancy given where pregnant"
        f" is {stated}; set pregnant to true, or gestation_weeks to null"
    )


def test_triage_assess_reads_the_weeks_from_the_input_and_records_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case.json"
    patient = {
        "age": 29,
        "sex": "female",
        "pregnant": True,
        "gestation_weeks": 26,
        "acute_symptoms": ["headache"],
    }
    readings = [
        {"code": code, "value": value, "unit": "mm[Hg]", "observed_at": "2026-11-25T09:58:00+08:00"}
        for code, value in (("sbp", 182), ("dbp", 104))
    ]
    body = {"patient": patient, "observations": readings, "assessed_at": "2026-11-25T10:00:00+08:00"}
    case.write_text(json.dumps(body), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(case), "--no-models")
    assert code == 0, err
    reasons = {r["rule"]: r for r in json.loads(out)["reasons"]}
    assert reasons["hypertensive_emergency"]["values"]["gestation_weeks"] == 26
    assert "headache in pregnancy at 26 weeks" in reasons["hypertensive_emergency"]["detail"]
    assert reasons["pregnancy_severe_hypertension"]["values"]["gestation_weeks"] == 26


@pytest.mark.parametrize(
    ("weeks", "said"),
    [
        (
            12,
            "150/95 mmHg in pregnancy at 12 weeks (>=140 and/or >=90): same-day obstetric assessment for"
            " chronic hypertension (before 20 weeks; pre-eclampsia is from 20 weeks)",
        ),
        (19, "at 19 weeks (>=140 and/or >=90): same-day obstetric assessment for chronic hypertension"),
        (20, "at 20 weeks (>=140 and/or >=90): same-day obstetric assessment for pre-eclampsia"),
        (
            None,
            "150/95 mmHg in pregnancy (>=140 and/or >=90): same-day obstetric assessment for pre-eclampsia",
        ),
    ],
)
def test_a_raised_pressure_in_pregnancy_is_assessed_the_same_day_for_what_the_weeks_allow(
    weeks: int | None, said: str
) -> None:
    """At 12 weeks the reason sent staff to assess for pre-eclampsia, which is not the diagnosis
    before 20 weeks (chronic hypertension is); the level is the same at any gestation."""
    a = _assess(150, 95, age=30, sex="female", pregnant=True, gestation_weeks=weeks)
    raised = _reason(a, "pregnancy_hypertension")
    assert raised is not None and a.disposition is Disposition.urgent_referral
    assert said in raised.detail, raised.detail
    assert raised.values["gestation_weeks"] == weeks
