"""A raised pressure with a symptom of severe pre-eclampsia, in pregnancy from 20 weeks or in the 6
weeks after birth: an emergency transfer to an obstetric unit (``pre_eclampsia_severe_features``).

ACOG Practice Bulletin 222 (2020), Box 3, counts a new headache, visual disturbances and pulmonary
oedema as severe features of pre-eclampsia from 140 and/or 90 mmHg; ISSHP 2018 its neurological
complications (altered mental status, stroke, severe headache, visual scotomata); NICE NG133 admits
pre-eclampsia with any clinical concern (1.5.2) and asks women with a severe headache or problems
with vision to be seen at once. The engine read such a symptom only from 180/110 mmHg
(``hypertensive_emergency``): 150/95 with a headache at 32 weeks, or 2 weeks after birth, was the
same same-day appointment as without it (``pregnancy_hypertension``, ``postpartum_hypertension``:
urgent referral), the headache named nowhere. A level raise only: nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import ACUTE_SYMPTOMS, PatientContext
from triage.policy import Policy

E, U, L = Disposition.emergency_transfer, Disposition.urgent_referral, Disposition.local_care
RULE = "pre_eclampsia_severe_features"
PREGNANT_32 = {"age": 31, "sex": "female", "pregnant": True, "gestation_weeks": 32}
AFTER_BIRTH = {"age": 31, "sex": "female", "pregnant": False, "postpartum": True}
SEVERE_FEATURES = (
    "headache",
    "epigastric_pain",
    "visual_loss",
    "dyspnoea",
    "confusion",
    "neurological_deficit",
)


def _assess(policy: Policy, patient: dict[str, object], sbp: float, dbp: float) -> Assessment:
    return assess(PatientContext(**patient), [ob("sbp", sbp), ob("dbp", dbp)], policy, now=NOW)  # type: ignore[arg-type]


def _reason(decided: Assessment) -> str:
    (reason,) = [r for r in decided.reasons if r.rule == RULE]
    assert reason.red_flag and reason.level is E
    return reason.detail


@pytest.mark.parametrize(
    ("patient", "where", "lower"),
    [
        (PREGNANT_32, "in pregnancy at 32 weeks", "pregnancy_hypertension"),
        (AFTER_BIRTH, "after birth (postpartum, within 6 weeks)", "postpartum_hypertension"),
    ],
    ids=["32 weeks", "2 weeks after birth"],
)
def test_150_95_with_a_headache_is_an_emergency_transfer_naming_the_headache_and_the_pressure(
    policy: Policy, patient: dict[str, object], where: str, lower: str
) -> None:
    without = _assess(policy, {**patient, "acute_symptoms": []}, 150, 95)
    decided = _assess(policy, {**patient, "acute_symptoms": ["headache"]}, 150, 95)
    assert without.disposition is U and RULE not in {r.rule for r in without.reasons}
    assert decided.disposition is E
    detail = _reason(decided)
    assert detail.startswith(f"blood pressure 150/95 mmHg {where} (>=140 and/or >=90) with headache: "), (
        detail
    )
    assert "pre-eclampsia with severe features suspected" in detail
    assert "emergency transfer to an obstetric unit now for assessment and admission" in detail
    assert "the headache counts unless that assessment finds another cause" in detail
    # the same-day assessment the pressure alone asks for is supporting evidence for it
    (same_day,) = [r for r in decided.reasons if r.rule == lower]
    assert same_day.values["deferred_to"] == RULE and same_day.level is U


@pytest.mark.parametrize("patient", [PREGNANT_32, AFTER_BIRTH], ids=["32 weeks", "after birth"])
@pytest.mark.parametrize(
    ("sbp", "dbp", "fires"),
    [(140, 80, True), (120, 90, True), (139, 89, False), (159, 109, True), (165, 100, True)],
)
def test_it_fires_from_140_or_90_mmhg_not_below(
    policy: Policy, patient: dict[str, object], sbp: float, dbp: float, fires: bool
) -> None:
    decided = _assess(policy, {**patient, "acute_symptoms": ["headache"]}, sbp, dbp)
    assert (RULE in {r.rule for r in decided.reasons}) is fires
    assert (decided.disposition is E) is fires


@pytest.mark.parametrize("symptom", ACUTE_SYMPTOMS)
def test_each_severe_feature_counts_and_chest_pain_does_not(policy: Policy, symptom: str) -> None:
    decided = _assess(policy, {**PREGNANT_32, "acute_symptoms": [symptom]}, 150, 95)
    counts = symptom in SEVERE_FEATURES
    rules = {r.rule for r in decided.reasons}
    assert (RULE in rules) is counts
    # chest pain is an emergency of its own at any pressure (triage.rules.symptoms), not this rule's
    assert ("acute_symptom_emergency" in rules) is not counts
    assert decided.disposition is E


@pytest.mark.parametrize(
    ("weeks", "fires", "said"),
    [
        (19, False, None),  # before 20 weeks pre-eclampsia is not the diagnosis (chronic hypertension)
        (20, True, "in pregnancy at 20 weeks"),
        (None, True, "in pregnancy (weeks of pregnancy not recorded: counted as from 20 weeks"),
    ],
)
def test_in_pregnancy_from_20_weeks_or_with_the_weeks_not_recorded(
    policy: Policy, weeks: int | None, fires: bool, said: str | None
) -> None:
    patient = {**PREGNANT_32, "gestation_weeks": weeks, "acute_symptoms": ["headache", "visual_loss"]}
    decided = _assess(policy, patient, 150, 95)
    assert (RULE in {r.rule for r in decided.reasons}) is fires
    assert decided.disposition is (E if fires else U)
    if said is not None:
        assert said in _reason(decided) and "with visual disturbance, headache: " in _reason(decided)


@pytest.mark.parametrize(
    "patient",
    [
        {"age": 31, "sex": "female", "pregnant": False, "postpartum": False},
        {"age": 31, "sex": "female"},
        {"age": 31, "sex": "male"},
    ],
    ids=["neither", "not recorded", "a man"],
)
def test_outside_pregnancy_and_the_weeks_after_birth_nothing_changes(
    policy: Policy, patient: dict[str, object]
) -> None:
    decided = _assess(policy, {**patient, "acute_symptoms": ["headache"]}, 150, 95)
    assert RULE not in {r.rule for r in decided.reasons} and decided.disposition is L
    # the other symptoms are read on their own there (triage.rules.symptoms), not as pre-eclampsia
    decided = _assess(policy, {**patient, "acute_symptoms": list(SEVERE_FEATURES)}, 150, 95)
    rules = {r.rule for r in decided.reasons}
    assert RULE not in rules and {"acute_symptom_emergency", "acute_symptom_urgent"} <= rules


@pytest.mark.parametrize("patient", [PREGNANT_32, AFTER_BIRTH], ids=["32 weeks", "after birth"])
@pytest.mark.parametrize(("sbp", "dbp"), [(130, 85), (150, 95), (165, 112), (185, 115)])
def test_a_severe_feature_only_ever_raises_the_disposition(
    policy: Policy, patient: dict[str, object], sbp: float, dbp: float
) -> None:
    levels = list(Disposition)  # most urgent first
    without = _assess(policy, {**patient, "acute_symptoms": []}, sbp, dbp)
    decided = _assess(policy, {**patient, "acute_symptoms": ["headache"]}, sbp, dbp)
    assert levels.index(decided.disposition) <= levels.index(without.disposition)
    assert {r.rule for r in without.reasons} <= {r.rule for r in decided.reasons}


@pytest.mark.parametrize(
    ("patient", "sbp", "dbp", "asked"),
    [
        (PREGNANT_32, 150, 95, True),
        (PREGNANT_32, 139, 89, False),
        ({**PREGNANT_32, "gestation_weeks": None}, 140, 80, True),
        ({**PREGNANT_32, "gestation_weeks": 19}, 150, 95, False),  # chronic hypertension: not asked here
        (AFTER_BIRTH, 120, 90, True),
        ({**AFTER_BIRTH, "postpartum": False}, 150, 95, False),
    ],
)
def test_the_symptoms_are_asked_from_140_or_90_where_they_make_an_emergency(
    policy: Policy, patient: dict[str, object], sbp: float, dbp: float, asked: bool
) -> None:
    """Not recorded (``null``), the symptoms were asked from 180/110 only, so at 150/95 and 32 weeks
    the answer that makes an emergency transfer of a same-day appointment was never asked for."""
    decided = _assess(policy, {**patient, "acute_symptoms": None}, sbp, dbp)
    assert ("acute_symptoms" in decided.missing_inputs) is asked
    answered = _assess(policy, {**patient, "acute_symptoms": []}, sbp, dbp)
    assert "acute_symptoms" not in answered.missing_inputs


def test_triage_assess_table_asks_for_them_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage.cli import main

    at = "2026-11-25T07:50:00Z"
    path = tmp_path / "case.json"
    document = {
        "patient": {"age": 31, "sex": "female", "pregnant": True, "gestation_weeks": 32},
        "observations": [{"code": c, "value": v, "observed_at": at} for c, v in (("sbp", 150), ("dbp", 95))],
        "assessed_at": "2026-11-25T08:00:00Z",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["assess", str(path), "--no-models", "--table"]) == 0
    (line,) = [
        row for row in capsys.readouterr().out.splitlines() if row.startswith("ask now:     acute symptoms")
    ]
    assert (
        " - in pregnancy from 20 weeks or after birth, with this pressure headache, epigastric_pain,"
        " visual_loss, dyspnoea, confusion or neurological_deficit is pre-eclampsia with severe features, and chest_pain an emergency"
        " at any pressure: each an emergency transfer; record them ([] for none) and assess again"
    ) in line, line
    assert "hypertensive emergency" not in line
