"""An ACR in pregnancy from 20 weeks is read on the pre-eclampsia pathway (``pregnancy_proteinuria_acr``),
and new proteinuria with a symptom of pre-eclampsia below 140/90 mmHg is a same-day assessment
(``pregnancy_proteinuria_symptoms``).

A woman at 30 weeks with an ACR of 8 mg/mmol and 120/75 mmHg was read on KDIGO's albuminuria
(``albuminuria``: "confirm on a repeat sample; refer (non-emergency)"), re-checked in 7 days, while the
same proteinuria on a dipstick of 2+ is an obstetric assessment within 48 hours: NICE NG133 (2019)
takes an albumin:creatinine ratio of 8 mg/mmol or more as significant proteinuria in pregnancy (not
KDIGO's 3 mg/mmol, 30 mg/g), and PRECOG (Milne F et al. BMJ 2005;330:576) refers new significant
proteinuria without hypertension to a hospital assessment within 48 hours. Below 8 mg/mmol KDIGO's
referral stays (from 30 mg/g), so nothing is lower than outside pregnancy.

A woman at 30 weeks with a headache, dipstick protein 1+ and 130/85 mmHg was local care, re-checked in
a week, the reason itself saying "the same day with a headache": PRECOG sends new proteinuria of 1+ or
more with a headache, visual disturbance or epigastric pain for a same-day hospital assessment. From
140/90 ``pre_eclampsia_severe_features`` reads her (an emergency transfer), as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, policy_from_mapping
from triage.service.pages.engine_text import EngineText

ACR_RULE, SYMPTOM_RULE = "pregnancy_proteinuria_acr", "pregnancy_proteinuria_symptoms"
AT_30 = {"pregnant": True, "gestation_weeks": 30}
LEVELS = list(Disposition)  # most urgent first


def _assess(policy: Policy, readings: list[Observation], **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", **patient})  # type: ignore[arg-type]
    return assess(context, readings, policy, now=NOW)


def _acr(value: float, unit: str | None, sbp: float = 120, dbp: float = 75) -> list[Observation]:
    return [ob("albumin_creatinine_ratio", value, unit), ob("sbp", sbp), ob("dbp", dbp)]


def _rules(a: Assessment) -> dict[str, str]:
    return {r.rule: r.detail for r in a.reasons}


@pytest.mark.parametrize(
    ("value", "unit", "significant"),
    [
        (8, "mg/mmol", True),
        (7.9, "mg/mmol", False),
        (70.7, None, True),
        (70.6, None, False),
        (30, "mg/mmol", True),
        (300, None, True),
    ],
    ids=["8 mg/mmol", "7.9 mg/mmol", "70.7 mg/g", "70.6 mg/g", "30 mg/mmol", "300 mg/g"],
)
def test_an_acr_of_8_mg_mmol_or_more_at_30_weeks_is_an_obstetric_assessment_within_48_hours(
    policy: Policy, value: float, unit: str | None, significant: bool
) -> None:
    a = _assess(policy, _acr(value, unit), **AT_30)
    found = _rules(a)
    assert a.disposition is Disposition.routine_referral
    if significant:
        assert set(found) == {ACR_RULE}, found
        assert a.recheck_minutes == 2880
        assert (
            " in pregnancy at 30 weeks: significant proteinuria (NICE NG133: an ACR of 8 mg/mmol, 70.7 mg/g,"
            " or more) - new proteinuria from 20 weeks can be the first sign of pre-eclampsia - refer for a hospital"
            " (obstetric day unit) assessment for pre-eclampsia within 48 hours; the same day with a headache,"
            " visual disturbance or epigastric pain; measured "
        ) in found[ACR_RULE]
    else:  # below NICE's 8 mg/mmol, KDIGO's albuminuria (from 30 mg/g) still refers
        assert set(found) == {"albuminuria"}, found


@pytest.mark.parametrize(("value", "unit"), [(29, None), (2.9, "mg/mmol")])
def test_below_kdigos_30_mg_g_nothing_fires_in_pregnancy_or_outside_it(
    policy: Policy, value: float, unit: str | None
) -> None:
    for patient in (AT_30, {}):
        assert _rules(_assess(policy, _acr(value, unit), **patient)) == {}


@pytest.mark.parametrize(
    ("patient", "rule"),
    [
        ({"pregnant": True, "gestation_weeks": 20}, ACR_RULE),
        ({"pregnant": True}, ACR_RULE),
        ({"pregnant": True, "gestation_weeks": 19}, "albuminuria"),
        ({"postpartum": True}, "albuminuria"),
        ({}, "albuminuria"),
        ({"sex": "male"}, "albuminuria"),
    ],
    ids=["20 weeks", "weeks not recorded", "19 weeks", "after birth", "not pregnant", "a man"],
)
def test_the_pre_eclampsia_pathway_reads_the_acr_from_20_weeks(
    policy: Policy, patient: dict[str, object], rule: str
) -> None:
    assert set(_rules(_assess(policy, _acr(8, "mg/mmol"), **patient))) == {rule}


def test_from_140_90_the_same_day_assessment_reads_the_acr(policy: Policy) -> None:
    a = _assess(policy, _acr(8, "mg/mmol", 140, 85), **AT_30)
    assert a.disposition is Disposition.urgent_referral
    assert ACR_RULE not in _rules(a) and "pregnancy_hypertension" in _rules(a)


def test_a_clinic_that_switches_the_pregnancy_acr_rule_off_keeps_kdigos_referral() -> None:
    off = policy_from_mapping({"rules": {ACR_RULE: {"level": "off"}}})
    a = _assess(off, _acr(8, "mg/mmol"), **AT_30)
    assert set(_rules(a)) == {"albuminuria"} and a.disposition is Disposition.routine_referral


@pytest.mark.parametrize(
    ("value", "unit"),
    [(2.9, "mg/mmol"), (3, "mg/mmol"), (7.9, "mg/mmol"), (8, "mg/mmol"), (70.7, None), (400, None)],
)
@pytest.mark.parametrize(("sbp", "dbp"), [(110, 70), (139, 89), (150, 95), (165, 112)])
def test_never_below_what_the_same_acr_gives_outside_pregnancy(
    policy: Policy, value: float, unit: str | None, sbp: float, dbp: float
) -> None:
    pregnant = _assess(policy, _acr(value, unit, sbp, dbp), **AT_30)
    outside = _assess(policy, _acr(value, unit, sbp, dbp))
    assert LEVELS.index(pregnant.disposition) <= LEVELS.index(outside.disposition)


def _urine(protein: str | None = None, acr: tuple[float, str | None] | None = None) -> list[Observation]:
    readings = [] if protein is None else [ob("urine_protein", protein)]
    return readings + ([] if acr is None else [ob("albumin_creatinine_ratio", *acr)])


@pytest.mark.parametrize("symptom", ["headache", "visual_loss", "epigastric_pain"])
@pytest.mark.parametrize("protein", ["1+", "2+", "4+"])
def test_new_proteinuria_with_a_symptom_of_pre_eclampsia_is_a_same_day_assessment(
    policy: Policy, symptom: str, protein: str
) -> None:
    readings = [*_urine(protein), ob("sbp", 130), ob("dbp", 85)]
    a = _assess(policy, readings, acute_symptoms=[symptom], **AT_30)
    assert a.disposition is Disposition.urgent_referral
    (reason,) = [r for r in a.reasons if r.rule == SYMPTOM_RULE]
    assert reason.red_flag
    named = {
        "headache": "headache",
        "visual_loss": "visual disturbance",
        "epigastric_pain": "right upper quadrant or epigastric pain",
    }
    assert reason.detail.startswith(
        f"{named[symptom]} in pregnancy at 30 weeks with urine protein {protein} (dipstick) (blood pressure 130/85"
        " mmHg): new proteinuria with a symptom of pre-eclampsia - same-day hospital (obstetric) assessment for"
        " pre-eclampsia (PRECOG: new proteinuria of 1+ or more with headache, visual disturbance or epigastric"
        " pain); measured "
    )
    deferred = [
        r for r in a.reasons if r.rule.startswith("pregnancy_proteinuria_") and r.rule != SYMPTOM_RULE
    ]
    assert [r.values["deferred_to"] for r in deferred] == [SYMPTOM_RULE]


def test_a_headache_with_an_acr_of_8_mg_mmol_and_no_pressure_measured(policy: Policy) -> None:
    a = _assess(policy, _urine(acr=(8, "mg/mmol")), acute_symptoms=["headache"], pregnant=True)
    assert a.disposition is Disposition.urgent_referral
    detail = _rules(a)[SYMPTOM_RULE]
    assert "with ACR 70.7 mg/g (reported 8 mg/mmol) (no blood pressure measured)" in detail
    assert "weeks of pregnancy not recorded" in detail and "; measure the blood pressure now" in detail
    assert (
        _rules(a)[ACR_RULE].split("; ")[-2].startswith("pregnancy_proteinuria_acr: supporting evidence for")
    )


@pytest.mark.parametrize(
    ("readings", "patient", "fires"),
    [
        (_urine("trace"), AT_30, False),
        (_urine("1+"), AT_30, True),
        (_urine(acr=(7.9, "mg/mmol")), AT_30, False),
        (_urine(acr=(8, "mg/mmol")), AT_30, True),
        (_urine("1+"), {"pregnant": True, "gestation_weeks": 19}, False),
        (_urine("1+"), {"pregnant": True, "gestation_weeks": 20}, True),
        (
            _urine("1+"),
            {"postpartum": True},
            True,
        ),  # after birth too: tests/triage/test_postpartum_proteinuria.py
        (_urine("1+"), {}, False),
    ],
    ids=[
        "trace",
        "1+",
        "ACR 7.9 mg/mmol",
        "ACR 8 mg/mmol",
        "19 weeks",
        "20 weeks",
        "after birth",
        "not pregnant",
    ],
)
def test_the_same_day_rule_at_each_cut_point(
    policy: Policy, readings: list[Observation], patient: dict[str, object], fires: bool
) -> None:
    a = _assess(policy, [*readings, ob("sbp", 139), ob("dbp", 89)], acute_symptoms=["headache"], **patient)
    assert (SYMPTOM_RULE in _rules(a)) is fires


def test_from_140_90_it_is_an_emergency_transfer_as_before(policy: Policy) -> None:
    a = _assess(policy, [*_urine("1+"), ob("sbp", 140), ob("dbp", 85)], acute_symptoms=["headache"], **AT_30)
    assert a.disposition is Disposition.emergency_transfer and SYMPTOM_RULE not in _rules(a)


def test_without_a_symptom_the_dipstick_keeps_its_own_interval(policy: Policy) -> None:
    a = _assess(policy, [*_urine("1+"), ob("sbp", 130), ob("dbp", 85)], acute_symptoms=["dyspnoea"], **AT_30)
    assert SYMPTOM_RULE not in _rules(a) and "deferred_to" not in next(
        r.values for r in a.reasons if r.rule == "pregnancy_proteinuria_1plus"
    )


def test_the_staff_pages_say_both_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(age=30, sex="female", acute_symptoms=("headache",), **AT_30)  # type: ignore[arg-type]
    payload = _payload(patient, [*_urine("1+"), ob("sbp", 130), ob("dbp", 85)], policy)
    symptom, dipstick = (
        next(r for r in payload["reasons"] if r["rule"] == rule)
        for rule in (SYMPTOM_RULE, "pregnancy_proteinuria_1plus")
    )
    en, zh = EngineText("en", payload), EngineText("zh", payload)
    assert en.rule_detail(symptom).startswith(
        "headache in pregnancy with new proteinuria (from 20 weeks, below 140/90 mmHg)"
    )
    assert "same-day hospital (obstetric) assessment" in en.rule_detail(symptom)
    assert "当日转诊至医院（产科）评估子痫前期" in zh.rule_detail(symptom)
    assert "supporting evidence for" in en.rule_detail(dipstick) and "佐证" in zh.rule_detail(dipstick)
    acr = _payload(PatientContext(age=30, sex="female", **AT_30), _acr(8, "mg/mmol"), policy)  # type: ignore[arg-type]
    (reason,) = [r for r in acr["reasons"] if r["rule"] == ACR_RULE]
    assert "significant proteinuria (NICE NG133" in EngineText("en", acr).rule_detail(reason)
    assert "8 mg/mmol" in EngineText("en", acr).rule_detail(reason)
    assert "显著蛋白尿（ACR ≥8 mg/mmol" in EngineText("zh", acr).rule_detail(reason)
