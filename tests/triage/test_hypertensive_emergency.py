"""A severe pressure (>=180 and/or >=110 mmHg) with an acute symptom of target-organ damage a
clinician recorded is a hypertensive emergency (ESC/ESH 2024; ISH 2020 s10.4): emergency transfer.
Before, the engine had no way to be told of the symptoms and sent every such patient for an urgent
referral at best (``hypertensive_crisis``, >180/>120) - 180/100 mmHg with chest pain went to a
routine referral."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW, RECENT, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import ACUTE_SYMPTOMS, PRE_ECLAMPSIA_SYMPTOMS, PatientContext
from triage.policy import load_policy

POLICY = load_policy()
NOT_HEADACHE = [s for s in ACUTE_SYMPTOMS if s not in PRE_ECLAMPSIA_SYMPTOMS]  # counted in pregnancy only


def _assess(sbp: float | str | None, dbp: float | None, **patient: object) -> Assessment:
    readings = [ob(code, v) for code, v in (("sbp", sbp), ("dbp", dbp)) if v is not None]
    return assess(PatientContext(**patient), readings, POLICY, now=NOW)  # type: ignore[arg-type]


def _fired(a: Assessment) -> bool:
    return "hypertensive_emergency" in {r.rule for r in a.reasons}


@pytest.mark.parametrize("symptom", NOT_HEADACHE)
@pytest.mark.parametrize(
    ("sbp", "dbp", "emergency"),
    [
        (180, 90, True),
        (179, 90, False),
        (150, 110, True),
        (150, 109, False),
        (179, 109, False),
        (180, None, True),  # one pressure is enough when it is severe
        (None, 110, True),
        (181, 121, True),
    ],
)
def test_a_severe_pressure_with_an_acute_symptom_is_an_emergency(
    symptom: str, sbp: float | None, dbp: float | None, emergency: bool
) -> None:
    a = _assess(sbp, dbp, acute_symptoms=[symptom])
    assert _fired(a) is emergency, (sbp, dbp, symptom)
    if emergency:
        assert a.disposition is Disposition.emergency_transfer
        assert "hypertensive_emergency" in a.red_flags
        (r,) = [r for r in a.reasons if r.rule == "hypertensive_emergency"]
        assert r.values["acute_symptoms"] == symptom
        assert "emergency transfer" in r.detail and f"{'?' if sbp is None else sbp}/" in r.detail
    else:
        # below the severe pressure the symptom is its own finding (triage.rules.symptoms): chest pain,
        # a neurological deficit or confusion an emergency transfer at any pressure, breathlessness or
        # visual loss a same-day assessment - never a hypertensive emergency
        (r,) = [r for r in a.reasons if r.rule.startswith("acute_symptom_")]
        assert r.values["acute_symptoms"] == symptom and "hypertensive emergency" not in r.detail
        assert a.disposition is r.level


def test_no_symptom_or_none_recorded_is_not_an_emergency() -> None:
    for symptoms in (None, []):
        a = _assess(190, 115, acute_symptoms=symptoms)
        assert not _fired(a)
        assert a.disposition is Disposition.urgent_referral  # hypertensive_crisis / HEARTS-D still


def test_a_headache_counts_in_pregnancy_only() -> None:
    assert not _fired(_assess(185, 100, acute_symptoms=["headache"]))
    assert not _fired(_assess(185, 100, acute_symptoms=["headache"], sex="female", pregnant=False))
    assert not _fired(_assess(179, 100, acute_symptoms=["headache"], sex="female", pregnant=True))
    a = _assess(180, 100, acute_symptoms=["headache"], sex="female", pregnant=True)
    assert a.disposition is Disposition.emergency_transfer
    (r,) = [r for r in a.reasons if r.rule == "hypertensive_emergency"]
    assert "with headache in pregnancy (weeks of pregnancy not recorded: " in r.detail, r.detail
    # from 20 weeks only once the weeks are known (tests/triage/test_gestation_weeks.py)
    assert not _fired(
        _assess(180, 100, acute_symptoms=["headache"], sex="female", pregnant=True, gestation_weeks=19)
    )


def test_the_reason_names_every_symptom_and_the_pressure_as_read() -> None:
    a = _assess(">250", None, acute_symptoms=["visual_loss", "chest_pain", "headache"])
    (r,) = [r for r in a.reasons if r.rule == "hypertensive_emergency"]
    assert r.values["acute_symptoms"] == "chest_pain, visual_loss", "a headache out of pregnancy is not named"
    assert r.detail == (
        "blood pressure >250/? mmHg (>=180 and/or >=110) with chest pain, visual loss: hypertensive"
        " emergency (acute target-organ damage suspected): emergency transfer now; measured"
        f" {RECENT.isoformat(timespec='minutes')}"
    )


def test_symptoms_not_asked_beside_a_severe_pressure_are_listed_missing() -> None:
    assert "acute_symptoms" in _assess(180, 80).missing_inputs
    assert "acute_symptoms" in _assess(120, 110).missing_inputs
    assert "acute_symptoms" not in _assess(179, 109).missing_inputs
    assert "acute_symptoms" not in _assess(180, 80, acute_symptoms=[]).missing_inputs


def test_a_symptom_outside_the_vocabulary_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readings = [
        {"code": code, "value": v, "unit": "mm[Hg]", "observed_at": "2026-11-25T07:50:00Z"}
        for code, v in (("sbp", 182), ("dbp", 100))
    ]
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"patient": {"acute_symptoms": ["dyspnoea"]}, "observations": readings}))
    code, out, _ = run(capsys, "assess", str(good), "--now", "2026-11-25T08:00:00Z")
    assert code == 0 and json.loads(out)["disposition"] == "emergency_transfer", out
    for given, message in (
        (["chestpain"], 'patient.acute_symptoms.0: Input should be "chest_pain", "dyspnoea"'),
        ("chest_pain", 'patient.acute_symptoms: give a list of symptoms, e.g. ["chest_pain"]'),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({"patient": {"acute_symptoms": given}, "observations": readings}))
        code, _, err = run(capsys, "assess", str(bad), "--now", "2026-11-25T08:00:00Z")
        assert code == 2 and message in err and "Traceback" not in err, err
