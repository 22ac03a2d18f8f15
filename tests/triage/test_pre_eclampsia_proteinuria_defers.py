"""New proteinuria beside a same-day or emergency assessment for pre-eclampsia is its evidence.

From 140/90 mmHg in pregnancy from 20 weeks (``pregnancy_hypertension``: the same day, for suspected
pre-eclampsia, naming the ACR) an ACR of 8 mg/mmol (70.7 mg/g) or more still gave ``albuminuria``'s
own action, KDIGO's "confirm on a repeat sample; refer (non-emergency)", beside it; after birth a
headache with a dipstick of 1+ to 3+ (``pregnancy_proteinuria_symptoms``: the same day) still gave
the KDIGO dipstick rules' own repeat, ACR and referral advice beside it - two actions for one finding.
The lower reason now stays as supporting evidence naming the rule whose action applies
(``values.deferred_to``; ``triage.rule_precedence``), in en and zh - only while the clinic's policy
has the higher rule on at a level at least the lower one's (``triage.rule_checks.leaves_to``), and
only for what the pre-eclampsia assessment names (an ACR of 8 mg/mmol or more, from 20 weeks or after
birth). No disposition lower, no re-check later: each case's answer is checked for both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rule_deference_kidney import pages_say_which_action_applies
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy

E, U, R = Disposition.emergency_transfer, Disposition.urgent_referral, Disposition.routine_referral
POLICY = load_policy()
AT_30 = {"pregnant": True, "gestation_weeks": 30}
AFTER = {"postpartum": True}
SYMPTOMS = "pregnancy_proteinuria_symptoms"
ACR_8 = [ob("albumin_creatinine_ratio", 8, "mg/mmol")]
ACR_70_7 = [ob("albumin_creatinine_ratio", 70.7, "mg/g")]


def _bp(sbp: float, dbp: float) -> list[Observation]:
    return [ob("sbp", sbp), ob("dbp", dbp)]


def _assess(readings: list[Observation], policy: Policy = POLICY, **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", **patient})  # type: ignore[arg-type]
    return assess(context, readings, policy, now=NOW)


# (readings, patient, lower rule, the rule whose action applies, the disposition, its re-check at most)
DEFERS = [
    pytest.param(
        _bp(145, 92) + ACR_8, AT_30, "albuminuria", "pregnancy_hypertension", U, 60, id="145/92 30w acr 8"
    ),
    pytest.param(
        _bp(130, 90) + ACR_70_7,
        {"pregnant": True},
        "albuminuria",
        "pregnancy_hypertension",
        U,
        60,
        id="weeks?",
    ),
    pytest.param(
        _bp(165, 112) + ACR_8, AT_30, "albuminuria", "pregnancy_severe_hypertension", E, 15, id="165/112 30w"
    ),
    pytest.param(
        _bp(145, 92) + ACR_8, AFTER, "albuminuria", "postpartum_hypertension", U, 60, id="after 145/92"
    ),
    pytest.param(
        _bp(130, 85) + ACR_8,
        {**AFTER, "acute_symptoms": ["headache"]},
        "albuminuria",
        SYMPTOMS,
        U,
        60,
        id="after acr",
    ),
    *(
        pytest.param(
            [*_bp(130, 85), ob("urine_protein", protein)],
            {**AFTER, "acute_symptoms": [symptom]},
            rule,
            SYMPTOMS,
            U,
            60,
            id=f"after {protein} {symptom}",
        )
        for protein, rule in (
            ("1+", "proteinuria_1plus"),
            ("2+", "proteinuria_2plus"),
            ("3+", "proteinuria_3plus"),
        )
        for symptom in ("headache", "visual_loss", "epigastric_pain")
    ),
    pytest.param(
        [ob("urine_protein", "2+")],
        {**AFTER, "age": 16, "acute_symptoms": ["headache"]},
        "proteinuria_2plus",
        SYMPTOMS,
        U,
        60,
        id="after 2+ 16 years no pressure",
    ),
]


@pytest.mark.parametrize(("readings", "patient", "lower", "higher", "level", "recheck"), DEFERS)
def test_new_proteinuria_is_evidence_for_the_pre_eclampsia_assessment_on_the_pages_too(
    readings: list[Observation],
    patient: dict[str, object],
    lower: str,
    higher: str,
    level: Disposition,
    recheck: int,
) -> None:
    a = _assess(readings, **patient)
    assert a.disposition is level and a.recheck_minutes is not None and a.recheck_minutes <= recheck
    (reason,) = [r for r in a.reasons if r.rule == lower]
    assert reason.values.get("deferred_to") == higher, reason
    assert f"{lower}: supporting evidence for {higher}" in reason.detail
    for own in ("refer (non-emergency)", "confirm", "repeat the dipstick", "measure the ACR"):
        assert own not in reason.detail, reason.detail
    assert higher in {r.rule for r in a.reasons if "deferred_to" not in r.values}
    pages_say_which_action_applies(json.loads(a.model_dump_json()), lower, higher)


# the other side: what the pre-eclampsia assessment does not name keeps its own action
KEEPS = [
    pytest.param(
        [*_bp(145, 92), ob("albumin_creatinine_ratio", 7.9, "mg/mmol")],
        AT_30,
        "albuminuria",
        id="acr 7.9 30w",
    ),
    pytest.param(
        _bp(145, 92) + ACR_8, {"pregnant": True, "gestation_weeks": 12}, "albuminuria", id="acr 8 at 12 weeks"
    ),
    pytest.param(
        [*_bp(145, 92), ob("albumin_creatinine_ratio", 70.6, "mg/g")], AFTER, "albuminuria", id="after 70.6"
    ),
    pytest.param(
        [*_bp(130, 85), ob("urine_protein", "3+")], AFTER, "proteinuria_3plus", id="after 3+ no symptom"
    ),
    pytest.param(
        [*_bp(130, 85), ob("urine_protein", "1+")], AFTER, "proteinuria_1plus", id="after 1+ no symptom"
    ),
]


@pytest.mark.parametrize(("readings", "patient", "lower"), KEEPS)
def test_what_the_assessment_does_not_name_keeps_its_own_action(
    readings: list[Observation], patient: dict[str, object], lower: str
) -> None:
    a = _assess(readings, **patient)
    (reason,) = [r for r in a.reasons if r.rule == lower]
    assert "deferred_to" not in reason.values and "supporting evidence" not in reason.detail, reason


def _clinic(tmp_path: Path, levels: dict[str, str]) -> Policy:
    path = tmp_path / "clinic.toml"
    tables = "".join(f'[rules.{rule}]\nlevel = "{level}"\n' for rule, level in levels.items())
    path.write_text(f'version = "clinic-test"\n{tables}', encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize(
    ("readings", "patient", "lower"),
    [
        pytest.param(_bp(145, 92) + ACR_8, AT_30, "albuminuria", id="albuminuria 145/92 30w"),
        pytest.param(
            [*_bp(130, 85), ob("urine_protein", "3+")],
            {**AFTER, "acute_symptoms": ["headache"]},
            "proteinuria_3plus",
            id="3+ after birth",
        ),
    ],
)
def test_a_rule_the_clinic_set_above_the_assessment_keeps_its_own_action(
    tmp_path: Path, readings: list[Observation], patient: dict[str, object], lower: str
) -> None:
    a = _assess(readings, _clinic(tmp_path, {lower: "emergency_transfer"}), **patient)
    assert a.disposition is E
    (reason,) = [r for r in a.reasons if r.rule == lower]
    assert "deferred_to" not in reason.values and reason.level is E, reason
