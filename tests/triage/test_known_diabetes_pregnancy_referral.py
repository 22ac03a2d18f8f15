"""Known diabetes in pregnancy above the pregnancy targets is referred to her joint diabetes and
antenatal clinic within a week (``pregnancy_known_diabetes_above_target``).

A woman at 24 weeks with known diabetes and a random glucose of 10.5 mmol/L was local care, re-checked
in 30 days (``glucose_diabetes_range``: "review and manage her treatment with the antenatal diabetes
team"), and at 8.5 mmol/L no rule fired at all. In pregnancy the targets are fasting glucose below
5.3 mmol/L (95 mg/dL) and 1 hour after a meal below 7.8 mmol/L (140 mg/dL) (NICE NG3 2015; ADA
Standards of Care 2025 section 15), so a random glucose of 7.8 or more is above the highest of them
whenever it was taken; an HbA1c of 6.5 % (48 mmol/mol) or more raises the risks to the pregnancy
(NG3). Her diabetes is managed by the joint diabetes and antenatal clinic, in contact every 1-2 weeks
(NG3 Table 1), and a pregnant woman with diabetes and hyperglycaemia has her ketones tested urgently
(NG3). Outside pregnancy, and in pregnancy without known diabetes, nothing changes; nothing is lower."""

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

RULE = "pregnancy_known_diabetes_above_target"
ACTION = (
    "above the pregnancy targets (NICE NG3, ADA 2025 section 15: fasting glucose <5.3 mmol/L, 1 hour after a"
    " meal <7.8 mmol/L; an HbA1c of 6.5 % or more raises the risks to the pregnancy): refer her to the joint"
    " diabetes and antenatal clinic within 1 week (NICE NG3: in contact every 1-2 weeks through pregnancy)"
)
KETONES = (
    "; test for ketones now (NICE NG3: urgently in a pregnant woman with diabetes and hyperglycaemia, to"
    " exclude diabetic ketoacidosis)"
)
# (code, value, unit): at the cut and just below it, in the unit each was reported in
CUTS = [
    pytest.param(("glucose_random", 7.8, None), ("glucose_random", 7.7, None), id="random 7.8/7.7 mmol/L"),
    pytest.param(
        ("glucose_random", 140, "mg/dL"), ("glucose_random", 139, "mg/dL"), id="random 140/139 mg/dL"
    ),
    pytest.param(("glucose_fasting", 5.3, None), ("glucose_fasting", 5.2, None), id="fasting 5.3/5.2 mmol/L"),
    pytest.param(
        ("glucose_fasting", 95, "mg/dL"), ("glucose_fasting", 94, "mg/dL"), id="fasting 95/94 mg/dL"
    ),
    pytest.param(("hba1c", 6.5, None), ("hba1c", 6.4, None), id="HbA1c 6.5/6.4 %"),
    pytest.param(("hba1c", 48, "mmol/mol"), ("hba1c", 47, "mmol/mol"), id="HbA1c 48/47 mmol/mol"),
]
LEVELS = list(Disposition)  # most urgent first


def _assess(
    policy: Policy, readings: list[Observation], pregnant: bool = True, diabetes: bool = True
) -> Assessment:
    patient = PatientContext(
        age=31, sex="female", diabetes=diabetes, pregnant=pregnant, gestation_weeks=24 if pregnant else None
    )
    return assess(patient, [*readings, ob("sbp", 118), ob("dbp", 72)], policy, now=NOW)


def _fired(a: Assessment) -> dict[str, str]:
    return {r.rule: r.detail for r in a.reasons}


@pytest.mark.parametrize("glucose", [8.5, 10.0, 10.5, 11.0])
def test_a_random_glucose_above_target_is_referred_within_a_week_not_re_checked_in_30_days(
    policy: Policy, glucose: float
) -> None:
    a = _assess(policy, [ob("glucose_random", glucose)])
    assert a.disposition is Disposition.routine_referral and a.recheck_minutes == 10080
    assert _fired(a)[RULE].startswith(
        f"random glucose {glucose:g} mmol/L with known diabetes in pregnancy at 24 weeks: {ACTION}{KETONES}; measured "
    )


@pytest.mark.parametrize(("at", "below"), CUTS)
def test_each_cut_point_in_the_unit_it_was_reported_in(
    policy: Policy, at: tuple[str, float, str | None], below: tuple[str, float, str | None]
) -> None:
    assert RULE in _fired(_assess(policy, [ob(*at)]))
    assert RULE not in _fired(_assess(policy, [ob(*below)]))


@pytest.mark.parametrize(("at", "below"), CUTS)
@pytest.mark.parametrize(
    "patient",
    [{"pregnant": False}, {"pregnant": True, "diabetes": False}],
    ids=["known diabetes, not pregnant", "pregnant, no known diabetes"],
)
def test_outside_pregnancy_or_without_known_diabetes_it_does_not_fire(
    policy: Policy,
    at: tuple[str, float, str | None],
    below: tuple[str, float, str | None],
    patient: dict[str, bool],
) -> None:
    assert RULE not in _fired(_assess(policy, [ob(*at)], **patient))


@pytest.mark.parametrize("glucose", [7.7, 7.8, 9.9, 10.0, 10.5, 11.0, 11.1, 15.0])
def test_never_below_what_the_same_readings_give_outside_pregnancy(policy: Policy, glucose: float) -> None:
    readings = [ob("glucose_random", glucose)]
    pregnant, not_pregnant = _assess(policy, readings), _assess(policy, readings, pregnant=False)
    assert LEVELS.index(pregnant.disposition) <= LEVELS.index(not_pregnant.disposition)


def test_with_ketones_measured_it_does_not_ask_for_them_and_an_urgent_rule_applies(policy: Policy) -> None:
    negative = _fired(_assess(policy, [ob("glucose_random", 10.5), ob("urine_ketones", "neg")]))[RULE]
    assert ACTION in negative and "test for ketones" not in negative
    a = _assess(policy, [ob("glucose_random", 10.5), ob("urine_ketones", "2+")])
    assert a.disposition is Disposition.urgent_referral
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert reason.values["deferred_to"] == "ketones_with_hyperglycaemia"
    assert "supporting evidence for ketones_with_hyperglycaemia" in reason.detail


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(age=31, sex="female", diabetes=True, pregnant=True, gestation_weeks=24)
    payload = _payload(patient, [ob("glucose_random", 10.5), ob("sbp", 118), ob("dbp", 72)], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert en.startswith(
        "known diabetes in pregnancy: random glucose 10.5 mmol/L above the pregnancy targets"
    )
    assert "joint diabetes and antenatal clinic within 1 week" in en and "test for ketones now" in en
    assert "1 周内转诊糖尿病与产科联合门诊" in zh and "立即检测酮体" in zh
    with_ketones = _payload(
        patient,
        [ob("glucose_random", 10.5), ob("urine_ketones", "neg"), ob("sbp", 118), ob("dbp", 72)],
        policy,
    )
    (reason,) = [r for r in with_ketones["reasons"] if r["rule"] == RULE]
    assert "ketones" not in EngineText("en", with_ketones).rule_detail(reason)
    assert "酮体" not in EngineText("zh", with_ketones).rule_detail(reason)
