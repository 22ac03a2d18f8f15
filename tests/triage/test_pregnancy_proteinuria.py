"""New dipstick proteinuria in pregnancy from 20 weeks is read on the pre-eclampsia pathway
(``triage.rules.kidney``: ``pregnancy_proteinuria_1plus``, ``pregnancy_proteinuria_2plus``).

A woman at 30 weeks with dipstick protein 2+ and 120/75 mmHg was given KDIGO's advice for a
non-pregnant adult: local care, "measure the ACR and creatinine now; repeat the dipstick within 1 week
(not during infection, fever, heavy exercise or menstruation); an ACR >=30 mg/g refers", re-checked in
a week. New proteinuria from 20 weeks can be the first sign of pre-eclampsia: NICE NG133 (2019)
1.4.3-1.4.7 quantifies a dipstick of 1+ or more with a protein:creatinine ratio (significant from
30 mg/mmol) or an albumin:creatinine ratio (8 mg/mmol), and PRECOG (Milne F et al. BMJ 2005;330:576)
refers new proteinuria without hypertension - 2+ or more to a hospital assessment within 48 hours, 1+
to the pre-eclampsia check repeated within a week (her 1+ was re-checked in 4 weeks). From 140 and/or
90 mmHg ``pregnancy_hypertension`` sends her the same day, as before; before 20 weeks, and outside
pregnancy, the KDIGO rules read the dipstick as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

KDIGO = {"proteinuria_1plus", "proteinuria_2plus", "proteinuria_3plus"}
PREGNANCY = {"pregnancy_proteinuria_1plus", "pregnancy_proteinuria_2plus"}
QUANTIFY = (
    "quantify it with a urine protein:creatinine ratio (significant from 30 mg/mmol) or albumin:creatinine"
    " ratio (from 8 mg/mmol)"
)


def _assess(policy: Policy, protein: str, sbp: float = 120, dbp: float = 75, **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", **patient})  # type: ignore[arg-type]
    readings = [ob("urine_protein", protein), ob("sbp", sbp), ob("dbp", dbp)]
    return assess(context, readings, policy, now=NOW)


def _rules(a: Assessment) -> dict[str, str]:
    return {r.rule: r.detail for r in a.reasons}


@pytest.mark.parametrize("protein", ["2+", "3+", "4+"])
def test_two_plus_or_more_at_30_weeks_is_an_obstetric_assessment_within_48_hours(
    policy: Policy, protein: str
) -> None:
    a = _assess(policy, protein, pregnant=True, gestation_weeks=30)
    found = _rules(a)
    assert set(found) == {"pregnancy_proteinuria_2plus"}, found
    assert a.disposition is Disposition.routine_referral and a.recheck_minutes == 2880
    assert found["pregnancy_proteinuria_2plus"].startswith(
        f"urine protein {protein} (dipstick) in pregnancy at 30 weeks and no ACR: new proteinuria from 20 weeks"
        " can be the first sign of pre-eclampsia - refer for a hospital (obstetric day unit) assessment for"
        f" pre-eclampsia within 48 hours; {QUANTIFY}; the same day with a headache, visual disturbance or"
        " epigastric pain; measured "
    )
    assert "menstruation" not in found["pregnancy_proteinuria_2plus"]


def test_one_plus_at_30_weeks_is_quantified_and_checked_again_within_a_week(policy: Policy) -> None:
    a = _assess(policy, "1+", pregnant=True, gestation_weeks=30)
    found = _rules(a)
    assert set(found) == {"pregnancy_proteinuria_1plus"}, found
    assert a.disposition is Disposition.local_care and a.recheck_minutes == 10080
    detail = found["pregnancy_proteinuria_1plus"]
    assert (
        f"{QUANTIFY}; repeat the pre-eclampsia check (blood pressure, urine, symptoms) within 1 week"
        in detail
    )
    assert "ACR >=30 mg/g" not in detail


@pytest.mark.parametrize(
    ("weeks", "rules"),
    [
        (19, {"proteinuria_2plus"}),
        (20, {"pregnancy_proteinuria_2plus"}),
        (None, {"pregnancy_proteinuria_2plus"}),
    ],
)
def test_the_pathway_starts_at_20_weeks_and_with_the_weeks_not_recorded(
    policy: Policy, weeks: int | None, rules: set[str]
) -> None:
    a = _assess(policy, "2+", pregnant=True, gestation_weeks=weeks)
    assert set(_rules(a)) == rules
    if weeks is None:
        assert "weeks of pregnancy not recorded" in _rules(a)["pregnancy_proteinuria_2plus"]


@pytest.mark.parametrize(
    ("sbp", "dbp", "rule"),
    [
        (139, 89, "pregnancy_proteinuria_2plus"),
        (140, 89, "pregnancy_hypertension"),
        (139, 90, "pregnancy_hypertension"),
    ],
)
def test_from_140_90_the_same_day_assessment_reads_it(
    policy: Policy, sbp: float, dbp: float, rule: str
) -> None:
    a = _assess(policy, "2+", sbp, dbp, pregnant=True, gestation_weeks=30)
    found = _rules(a)
    assert rule in found and not (PREGNANCY - {rule}) & set(found) and not KDIGO & set(found)
    expected = (
        Disposition.urgent_referral if rule == "pregnancy_hypertension" else Disposition.routine_referral
    )
    assert a.disposition is expected


@pytest.mark.parametrize("patient", [{}, {"pregnant": False}, {"postpartum": True}, {"sex": "male"}])
def test_outside_pregnancy_the_kdigo_rules_read_the_dipstick_as_before(
    policy: Policy, patient: dict[str, object]
) -> None:
    for protein, rule in (
        ("1+", "proteinuria_1plus"),
        ("2+", "proteinuria_2plus"),
        ("3+", "proteinuria_3plus"),
    ):
        assert set(_rules(_assess(policy, protein, **patient))) == {rule}


@pytest.mark.parametrize("protein", ["1+", "2+", "3+", "4+"])
@pytest.mark.parametrize(("sbp", "dbp"), [(110, 70), (139, 89), (150, 95), (165, 112)])
def test_never_below_what_the_same_readings_give_outside_pregnancy(
    policy: Policy, protein: str, sbp: float, dbp: float
) -> None:
    levels = list(Disposition)  # most urgent first
    pregnant = _assess(policy, protein, sbp, dbp, pregnant=True, gestation_weeks=30)
    not_pregnant = _assess(policy, protein, sbp, dbp, pregnant=False)
    assert levels.index(pregnant.disposition) <= levels.index(not_pregnant.disposition)


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=30)
    payload = _payload(patient, [ob("urine_protein", "2+"), ob("sbp", 120), ob("dbp", 75)], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "pregnancy_proteinuria_2plus"]
    assert "assessment for pre-eclampsia within 48 hours" in EngineText("en", payload).rule_detail(reason)
    assert "48 小时内转诊至医院（产科日间病房）评估子痫前期" in EngineText("zh", payload).rule_detail(reason)
