"""One age rule for every score (``triage.patient``): completed years on the assessment's day, from
the birth date when given; each score outside its published ages says so and gives no number.

Every boundary is tested as clinicians meet it: on the birthday that reaches a limit, and the day
before it, through ``assess()`` with a birth date (the path a registered patient takes).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.cli import main
from triage.errors import UserInputError
from triage.patient import PatientContext, age_in_years, completed_years, patient_from_mapping
from triage.policy import Policy

DAY = NOW.date()


def born(years: int, *, days_before_birthday: int = 0) -> date:
    """A birth date whose ``years``-th birthday is today (``days_before_birthday``: is that many
    days away)."""
    birthday = DAY.replace(year=DAY.year - years) + timedelta(days=days_before_birthday)
    return birthday


UTC_ = UTC


def test_completed_years_counts_a_birthday_from_its_day() -> None:
    assert completed_years(date(1961, 3, 14), date(2026, 3, 13)) == 64
    assert completed_years(date(1961, 3, 14), date(2026, 3, 14)) == 65
    # 29 February: the birthday is reached on 1 March in other years
    assert completed_years(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert completed_years(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert completed_years(date(2008, 2, 29), date(2028, 2, 29)) == 20


def test_the_assessment_day_is_that_of_the_assessment_time_in_its_own_offset() -> None:
    """23:30 UTC on 13 March is already 14 March in Beijing (+08:00): the birthday there."""
    patient = PatientContext(birth_date=date(1961, 3, 14))
    utc = datetime(2026, 3, 13, 23, 30, tzinfo=UTC_)
    assert age_in_years(patient, utc) == 64
    assert age_in_years(patient, utc.astimezone(timezone(timedelta(hours=8)))) == 65


@pytest.mark.parametrize(("age", "years"), [(64.0, 64), (64.9, 64), (64.999, 64), (65.0, 65), (0.5, 0)])
def test_a_fractional_age_is_its_completed_years(age: float, years: int) -> None:
    assert age_in_years(PatientContext(age=age), NOW) == years


def test_age_and_birth_date_must_agree() -> None:
    both = PatientContext(age=64.5, birth_date=born(64, days_before_birthday=-10))
    assert age_in_years(both, NOW) == 64
    wrong = PatientContext(age=65, birth_date=born(65, days_before_birthday=1))
    with pytest.raises(UserInputError, match=r"^patient.age, patient.birth_date: age 65 disagrees"):
        age_in_years(wrong, NOW)


def test_a_birth_date_after_the_assessment_day_is_refused() -> None:
    with pytest.raises(UserInputError, match=r"^patient.birth_date: .* is after the assessment day"):
        age_in_years(PatientContext(birth_date=DAY + timedelta(days=1)), NOW)


def test_the_input_file_takes_a_birth_date_as_iso_text_only() -> None:
    assert patient_from_mapping({"birth_date": "1961-03-14"}).birth_date == date(1961, 3, 14)
    with pytest.raises(UserInputError, match=r"^patient.birth_date: must be an ISO 8601 date"):
        patient_from_mapping({"birth_date": 1733356800})


def _assess(policy: Policy, patient: PatientContext) -> Assessment:
    labs = [ob("total_cholesterol", 5.2), ob("hdl_cholesterol", 1.3), ob("creatinine", 80.0)]
    obs = [*normal_vitals(), *labs]
    return assess(patient, obs, policy, now=NOW)


def _cv_patient(birth: date) -> PatientContext:
    return PatientContext(
        birth_date=birth,
        sex="male",
        on_antihypertensives=False,
        current_smoker=False,
        diabetes=False,
        region_north=True,
        urban=True,
        family_history_ascvd=False,
        waist_cm=84,
        bmi=24,
        family_history_diabetes="none",
        physically_active=True,
        daily_fruit_veg=True,
        history_high_glucose=False,
    )


# score -> (first age inside, last age inside); None: no limit on that side
RANGES = {
    "china_par": (35, 74),
    "pce": (40, 79),
    "cdrs": (20, 74),
    "news2": (16, None),
    "qsofa": (18, None),
    "crb65": (18, None),
    "findrisc": (18, None),
    "kidney": (18, None),
}


@pytest.mark.parametrize("score", sorted(RANGES))
def test_each_score_applies_from_the_birthday_that_reaches_its_lowest_age(score: str, policy: Policy) -> None:
    low, _ = RANGES[score]
    on_the_day = _assess(policy, _cv_patient(born(low))).scores[score]
    day_before = _assess(policy, _cv_patient(born(low, days_before_birthday=1))).scores[score]
    assert on_the_day.applicable and on_the_day.value is not None, on_the_day.detail
    assert not day_before.applicable and day_before.value is None and day_before.band == "not_applicable"
    assert str(low - 1) in day_before.detail and str(low) in day_before.detail


@pytest.mark.parametrize("score", sorted(s for s, (_, high) in RANGES.items() if high is not None))
def test_each_score_applies_to_the_day_before_the_birthday_past_its_highest_age(
    score: str, policy: Policy
) -> None:
    _, high = RANGES[score]
    assert high is not None
    last_day = _assess(policy, _cv_patient(born(high + 1, days_before_birthday=1))).scores[score]
    past = _assess(policy, _cv_patient(born(high + 1))).scores[score]
    assert last_day.applicable and last_day.value is not None, last_day.detail
    assert not past.applicable and past.value is None and str(high + 1) in past.detail


@pytest.mark.parametrize(
    ("years", "days_before", "points"),
    [(65, 0, 1), (65, 1, 0), (64, 0, 0)],
)
def test_crb65_age_point_from_the_65th_birthday(
    years: int, days_before: int, points: int, policy: Policy
) -> None:
    a = _assess(policy, _cv_patient(born(years, days_before_birthday=days_before)))
    assert a.scores["crb65"].components["age"] == points


@pytest.mark.parametrize(
    ("years", "days_before", "points"),
    [(45, 1, 0), (45, 0, 2), (55, 1, 2), (55, 0, 3), (65, 1, 3), (65, 0, 4)],
)
def test_findrisc_age_bands_from_the_birthday(
    years: int, days_before: int, points: int, policy: Policy
) -> None:
    a = _assess(policy, _cv_patient(born(years, days_before_birthday=days_before)))
    assert a.scores["findrisc"].components["age"] == points


def test_the_equations_take_completed_years_not_the_fraction(policy: Policy) -> None:
    """A fractional age and the birth date that gives the same completed years answer the same."""
    by_date = _assess(policy, _cv_patient(born(58, days_before_birthday=-200)))
    fractional = _assess(policy, _cv_patient(born(58)).model_copy(update={"birth_date": None, "age": 58.55}))
    for name in ("china_par", "pce", "kidney", "cdrs", "findrisc"):
        assert by_date.scores[name].value == fractional.scores[name].value, name


def test_the_age_of_a_birth_date_reaches_the_risk_models_too(policy: Policy) -> None:
    seen: list[float | None] = []

    class Spy:
        versions: ClassVar[dict[str, str]] = {}

        def predict(self, patient: PatientContext, values: object) -> list[object]:
            seen.append(patient.age)
            return []

    assess(_cv_patient(born(64, days_before_birthday=1)), normal_vitals(), policy, Spy(), now=NOW)
    assert seen == [63]


# --- NEWS2 does not apply to children or in pregnancy (RCP 2017) ---------------------------------


def test_news2_for_a_child_says_it_does_not_apply_and_what_to_use(policy: Policy) -> None:
    a = assess(PatientContext(age=9), normal_vitals(), policy, now=NOW)
    s = a.scores["news2"]
    assert (s.applicable, s.value, s.band) == (False, None, "not_applicable")
    assert s.detail == (
        "not applicable: age 9 years; NEWS2 is not used under 16 (RCP 2017); assess with a"
        " paediatric early warning score (PEWS)"
    )


def test_news2_in_pregnancy_says_it_does_not_apply(policy: Policy) -> None:
    a = assess(PatientContext(age=30, sex="female", pregnant=True), normal_vitals(), policy, now=NOW)
    s = a.scores["news2"]
    assert not s.applicable and s.value is None and "pregnancy" in s.detail and "MEOWS" in s.detail


@pytest.mark.parametrize(
    "patient",
    [PatientContext(age=9), PatientContext(age=30, sex="female", pregnant=True)],
    ids=["child", "pregnant"],
)
def test_vitals_nothing_scored_never_give_local_care(patient: PatientContext, policy: Policy) -> None:
    """A child's pulse 160 and breathing 40/min were local care a month away: NEWS2 did not apply
    and no other rule reads them. Now the answer is insufficient_data (assess now), with why."""
    vitals = [o for o in normal_vitals() if o.code not in ("heart_rate", "resp_rate")]
    obs = [*vitals, ob("heart_rate", 160.0), ob("resp_rate", 40.0)]
    a = assess(patient, obs, policy, now=NOW)
    assert a.disposition is Disposition.insufficient_data and a.recheck_minutes == 0
    (note,) = a.notes
    # the child's blood pressure too: no adult grade under 13; the pregnant woman's BP has its rule
    bp = ", sbp 124 mm[Hg], dbp 76 mm[Hg]" if patient.age == 9 else ""
    assert note.startswith(
        f"heart_rate 160 /min, resp_rate 40 /min, temperature 36.8 Cel{bp} not scored by NEWS2 (not applicable: "
    )
    assert note.endswith("a clinician must assess them now")
    # an adult with the same readings is escalated by NEWS2
    adult = assess(PatientContext(age=30), obs, policy, now=NOW)
    assert adult.disposition is Disposition.urgent_referral


def test_a_childs_red_flags_still_escalate(policy: Policy) -> None:
    """Rules that do not depend on NEWS2 (SpO2, consciousness, glucose) still fire for a child."""
    a = assess(PatientContext(age=9), [ob("spo2", 88.0), ob("heart_rate", 100.0)], policy, now=NOW)
    assert a.disposition is Disposition.urgent_referral and "spo2_critical" in a.red_flags


def test_a_child_with_only_a_glucose_check_is_local_care(policy: Policy) -> None:
    a = assess(PatientContext(age=9), [ob("glucose_random", 5.5)], policy, now=NOW)
    assert a.disposition is Disposition.local_care and not a.notes


def test_an_assess_file_with_a_birth_date(policy: Policy) -> None:
    """What ``triage assess`` reads: the JSON patient object, strictly."""
    doc = json.loads('{"birth_date": "2010-11-26", "sex": "female"}')
    a = assess(patient_from_mapping(doc), normal_vitals(), policy, now=NOW)
    assert not a.scores["news2"].applicable and "age 15 years" in a.scores["news2"].detail


def test_the_cli_names_the_file_of_a_birth_date_that_disagrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case.json"
    case.write_text(
        json.dumps(
            {
                "assessed_at": "2026-11-25T10:00:00+08:00",
                "patient": {"age": 65, "birth_date": "1961-11-26"},
                "observations": [{"code": "sbp", "value": 120, "observed_at": "2026-11-25T09:00:00+08:00"}],
            }
        ),
        encoding="utf-8",
    )
    code = main(["assess", str(case), "--no-models"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        f"error: {case}: patient.age, patient.birth_date: age 65 disagrees with birth date 1961-11-26"
        " (64 completed years on 2026-11-25); give one, or correct it\n"
    )


# --- SpO2 scale 2 without air or oxygen recorded ---------------------------------------------------


@pytest.mark.parametrize("spo2", [93.0, 97.0])
def test_scale2_spo2_without_an_oxygen_record_is_never_local_care(spo2: float, policy: Policy) -> None:
    """A scale-2 patient at 97 % on oxygen scores 3 (red); on air 0. Unknown, it was local care in a month."""
    obs = [o for o in normal_vitals() if o.code not in ("spo2", "supplemental_o2")] + [ob("spo2", spo2)]
    a = assess(PatientContext(age=70, spo2_scale2=True), obs, policy, now=NOW)
    assert a.disposition is Disposition.insufficient_data and a.recheck_minutes == 0
    assert a.notes == [
        f"spo2 {spo2:g} % on SpO2 scale 2 is not classified without air or oxygen recorded: no"
        " local-care decision from it; record supplemental_o2 and assess again"
    ]
    on_air = assess(
        PatientContext(age=70, spo2_scale2=True), [*obs, ob("supplemental_o2", "air")], policy, now=NOW
    )
    assert on_air.disposition is Disposition.local_care
    on_oxygen = assess(
        PatientContext(age=70, spo2_scale2=True), [*obs, ob("supplemental_o2", "oxygen")], policy, now=NOW
    )
    # on oxygen: 93 % scores 1 + 2 (NEWS2 1-4: local care, re-check in 4 h); 97 % is a red score
    assert (
        on_oxygen.recheck_minutes == 240
        if spo2 == 93
        else on_oxygen.disposition is Disposition.urgent_referral
    )


# --- a child's blood pressure ----------------------------------------------------------------------


def test_a_young_childs_blood_pressure_gets_no_adult_grade_and_no_local_care(policy: Policy) -> None:
    """150/100 mmHg in a 6-year-old was 'grade 1 range; manage here', local care in a month: the
    adult grades do not apply under 13 (percentiles do); the crisis rules still fire."""
    bp = [ob("sbp", 150.0), ob("dbp", 100.0)]
    child = assess(PatientContext(age=6), bp, policy, now=NOW)
    assert child.disposition is Disposition.insufficient_data
    assert [r.rule for r in child.reasons] == []
    assert child.notes[0].startswith(
        "sbp 150 mm[Hg], dbp 100 mm[Hg] not scored by NEWS2 (not applicable: age 6"
    )
    crisis = assess(PatientContext(age=6), [ob("sbp", 190.0), ob("dbp", 100.0)], policy, now=NOW)
    # above 180/120 a child of 1-12 is >30 mmHg above any 95th percentile: an emergency (AAP 2017)
    assert crisis.disposition is Disposition.emergency_transfer and "hypertensive_crisis" in crisis.red_flags


@pytest.mark.parametrize(
    ("years", "days_before", "rule", "disposition"),
    [
        (13, 1, None, Disposition.insufficient_data),  # 12 years: percentile tables, not graded
        (13, 0, "bp_adolescent_stage_2", Disposition.routine_referral),  # 13th birthday: AAP 2017
        (18, 1, "bp_adolescent_stage_2", Disposition.routine_referral),  # 17 years: still AAP 2017
        (18, 0, "bp_grade_1_2", Disposition.local_care),  # 18th birthday: the adult grades
    ],
)
def test_blood_pressure_classification_changes_on_the_13th_and_18th_birthday(
    years: int, days_before: int, rule: str | None, disposition: Disposition, policy: Policy
) -> None:
    """150/95 was 'grade 1, manage here' at 13-17: the adult grades were applied from 13. AAP 2017
    reads an adolescent of 13-17 on its own static thresholds (>=140/90 is stage 2: evaluate and
    refer within a week); the adult grades apply from 18."""
    obs = [*normal_vitals()[2:], ob("resp_rate", 16.0), ob("spo2", 98.0), ob("sbp", 150.0), ob("dbp", 95.0)]
    patient = PatientContext(birth_date=born(years, days_before_birthday=days_before))
    a = assess(patient, obs, policy, now=NOW)
    bp_rules = [r.rule for r in a.reasons if r.rule.startswith("bp_")]
    assert bp_rules == ([rule] if rule else [])
    assert a.disposition is disposition


def test_an_adolescent_in_the_stage_1_range_is_re_checked_within_a_week(policy: Policy) -> None:
    """AAP 2017 Table 11: stage 1 - lifestyle advice, repeat within 1-2 weeks (local care was a
    month away); with dipstick protein 1+ it is proteinuria with a raised pressure."""
    obs = [ob("sbp", 132.0), ob("dbp", 78.0), ob("glucose_random", 5.5)]
    a = assess(PatientContext(age=15), obs, policy, now=NOW)
    assert (a.disposition, a.recheck_minutes) == (Disposition.local_care, 10080)
    assert [r.rule for r in a.reasons] == ["bp_adolescent_stage_1"]
    protein = assess(PatientContext(age=15), [*obs, ob("urine_protein", "1+")], policy, now=NOW)
    assert "proteinuria_with_hypertension" in {r.rule for r in protein.reasons}
