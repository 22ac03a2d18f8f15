"""A red flag recorded by staff routes the patient even when no reading is usable.

The rules were evaluated only when some reading was usable: a patient with chest pain recorded now
(``patient.acute_symptoms``) and no usable reading - the nurse had not yet measured anything, or
every reading was refused (QC, preliminary, stale) - was ``insufficient_data`` ("no usable
observations"), measure and assess again, the chest pain named nowhere, where NICE CG95 1.2.1 refers
current chest pain with an acute coronary syndrome suspected as an emergency and NICE NG128 1.1 a
sudden neurological deficit as a suspected stroke, whatever the vital signs. A red flag is never
lowered: the symptom rules (``triage.rules.symptoms``) read no reading, so they now route the
patient as they do with readings, the reason naming the symptom ("no blood pressure measured"), and
the "no usable observations" note stays beside them. Nothing else changes: with no symptom recorded,
or a symptom that is no sign alone (a headache), the answer is still ``insufficient_data``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW, RECENT, ob, unusable_readings
from triage.assess import assess
from triage.assessment import Disposition, Tier
from triage.patient import PatientContext
from triage.phrases import NO_USABLE
from triage.policy import Policy

E, U, INSUFFICIENT = (
    Disposition.emergency_transfer,
    Disposition.urgent_referral,
    Disposition.insufficient_data,
)
LEVEL = {"chest_pain": E, "neurological_deficit": E, "confusion": E, "dyspnoea": U, "visual_loss": U}
RULE = {E: "acute_symptom_emergency", U: "acute_symptom_urgent"}
NAMED = {
    "chest_pain": "chest pain",
    "neurological_deficit": "a new neurological deficit",
    "confusion": "confusion",
    "dyspnoea": "breathlessness",
    "visual_loss": "visual loss",
}


def _patient(**fields: object) -> dict[str, object]:
    return {"patient_id": "p-1", "age": 58, "sex": "male", **fields}


@pytest.mark.parametrize("readings", ["none", "all_unusable"])
@pytest.mark.parametrize("symptom", sorted(LEVEL))
def test_a_red_flag_symptom_routes_without_any_usable_reading(
    policy: Policy, symptom: str, readings: str
) -> None:
    obs = [] if readings == "none" else unusable_readings()
    a = assess(PatientContext(**_patient(acute_symptoms=[symptom])), obs, policy, now=NOW)  # type: ignore[arg-type]
    assert a.disposition is LEVEL[symptom] and a.target_tier is Tier.high_tier
    assert a.rule_level is LEVEL[symptom] and a.red_flags == [RULE[LEVEL[symptom]]]
    (reason,) = a.reasons
    assert reason.rule == RULE[LEVEL[symptom]] and reason.red_flag
    assert reason.values == {"acute_symptoms": symptom}
    assert reason.detail.startswith(f"{NAMED[symptom]} recorded now (no blood pressure measured): ")
    assert NO_USABLE.template in a.notes  # the readings are still said to be missing
    assert a.recheck_minutes == policy.recheck_minutes[LEVEL[symptom]]


@pytest.mark.parametrize("symptoms", [None, [], ["headache"]])
@pytest.mark.parametrize(
    "patient", [{}, {"age": 30, "sex": "female", "pregnant": True, "gestation_weeks": 12}]
)
def test_without_a_red_flag_no_usable_reading_is_still_insufficient_data(
    policy: Policy, symptoms: list[str] | None, patient: dict[str, object]
) -> None:
    a = assess(PatientContext(**_patient(acute_symptoms=symptoms, **patient)), [], policy, now=NOW)  # type: ignore[arg-type]
    assert a.disposition is INSUFFICIENT and a.target_tier is Tier.primary
    assert a.red_flags == [] and NO_USABLE.template in a.notes


def test_triage_assess_routes_chest_pain_recorded_before_any_reading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The CLI as a nurse's desk would use it: chest pain recorded, the blood pressure refused by
    the monitor's QC, nothing else measured yet."""
    doc = {
        "assessed_at": NOW.isoformat(),
        "patient": _patient(acute_symptoms=["chest_pain"]),
        "observations": [
            {"code": "sbp", "value": 150, "unit": "mmHg", "observed_at": RECENT.isoformat(), "qc": True}
        ],
    }
    path = tmp_path / "chest-pain.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run(capsys, "assess", str(path), "--no-models")
    assert code == 0
    a = json.loads(out)
    assert a["disposition"] == "emergency_transfer" and a["red_flags"] == ["acute_symptom_emergency"]
    code, out, _ = run(capsys, "assess", str(path), "--no-models", "--table")
    assert code == 0 and "emergency_transfer" in out and "chest pain recorded now" in out


def test_a_reading_refused_never_hides_a_red_flag_from_the_same_rule_with_a_reading(policy: Policy) -> None:
    """The same patient with one usable pulse and with none: the same disposition and reason."""
    patient = PatientContext(**_patient(acute_symptoms=["neurological_deficit"]))  # type: ignore[arg-type]
    with_one = assess(patient, [ob("heart_rate", 80)], policy, now=NOW)
    without = assess(patient, [ob("heart_rate", 80, qc=True)], policy, now=NOW)
    assert with_one.disposition is without.disposition is E
    assert [r.detail for r in with_one.reasons] == [r.detail for r in without.reasons]
