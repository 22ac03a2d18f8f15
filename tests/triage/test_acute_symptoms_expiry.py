"""How long an answer about acute symptoms counts (``patient.acute_symptoms_at``).

The answer is kept on the visit until a clinician changes it. Clinically the two answers differ:
- a symptom recorded (chest pain, a new neurological deficit ...) with a severe pressure means
  target-organ damage was suspected in this visit; time does not clear it, a clinician does (with
  ``[]``) - so it keeps counting (conservative);
- "none" (``[]``) describes the patient when it was asked. A severe pressure measured after it was
  not asked about: the answer is not taken for it, ``acute_symptoms`` is listed missing again (the
  staff page asks) and a note says why. Before, "none" recorded in the morning silenced the question
  for a severe pressure in the afternoon (an urgency, where chest pain since would make it an
  emergency transfer).
The answer's time is given by the service (when it was recorded) or in a ``triage assess`` input;
without it the answer is taken as recorded with this assessment (as before)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.errors import UserInputError
from triage.patient import PatientContext, patient_from_mapping
from triage.policy import load_policy

POLICY = load_policy()
ASKED = NOW - timedelta(hours=4)


def _assess(sbp: float, dbp: float, measured: datetime, **patient: object) -> Assessment:
    readings = [ob("sbp", sbp, observed_at=measured), ob("dbp", dbp, observed_at=measured)]
    return assess(PatientContext(age=58, **patient), readings, POLICY, now=NOW)  # type: ignore[arg-type]


def test_none_recorded_before_a_severe_pressure_is_asked_again_and_says_why() -> None:
    measured = NOW - timedelta(minutes=5)
    a = _assess(186, 112, measured, acute_symptoms=[], acute_symptoms_at=ASKED)
    assert "acute_symptoms" in a.missing_inputs
    assert (
        "acute symptoms: none was recorded at 2026-11-25T04:00+00:00, before the blood pressure measured at"
        " 2026-11-25T07:55+00:00: ask again and record the answer"
    ) in a.notes
    assert a.disposition is Disposition.urgent_referral  # the urgency stands; only an answer makes it more


@pytest.mark.parametrize("measured", [ASKED - timedelta(minutes=2), ASKED])
def test_none_recorded_with_or_after_the_pressure_answers_for_it(measured: datetime) -> None:
    a = _assess(186, 112, measured, acute_symptoms=[], acute_symptoms_at=ASKED)
    assert "acute_symptoms" not in a.missing_inputs and not a.notes


def test_none_without_a_time_is_recorded_with_this_assessment() -> None:
    a = _assess(186, 112, NOW - timedelta(minutes=5), acute_symptoms=[])
    assert "acute_symptoms" not in a.missing_inputs and not a.notes


def test_none_before_a_pressure_that_is_not_severe_is_not_asked_again() -> None:
    a = _assess(150, 95, NOW - timedelta(minutes=5), acute_symptoms=[], acute_symptoms_at=ASKED)
    assert "acute_symptoms" not in a.missing_inputs and not a.notes


def test_a_symptom_recorded_keeps_counting_for_a_later_severe_pressure() -> None:
    a = _assess(186, 112, NOW - timedelta(minutes=5), acute_symptoms=["chest_pain"], acute_symptoms_at=ASKED)
    assert a.disposition is Disposition.emergency_transfer and "hypertensive_emergency" in a.red_flags
    assert "acute_symptoms" not in a.missing_inputs and not a.notes


@pytest.mark.parametrize(
    ("patient", "said"),
    [
        (
            {"acute_symptoms_at": "2026-11-25T10:00:00+08:00"},
            "patient.acute_symptoms_at, patient.acute_symptoms: a time is given for acute symptoms not"
            " recorded (null); give the answer, or acute_symptoms_at null",
        ),
        ({"acute_symptoms": [], "acute_symptoms_at": "2026-11-25T10:00:00"}, "patient.acute_symptoms_at: "),
        ({"acute_symptoms": [], "acute_symptoms_at": 1764036000}, "patient.acute_symptoms_at: "),
    ],
)
def test_a_time_that_cannot_be_is_refused_naming_the_field(patient: dict[str, object], said: str) -> None:
    with pytest.raises(UserInputError) as info:
        patient_from_mapping(patient)
    assert str(info.value).startswith(said), str(info.value)


def test_an_answer_recorded_after_the_assessment_is_refused() -> None:
    """A mistyped date (the next day) let "none" answer for every pressure measured before it."""
    with pytest.raises(UserInputError) as info:
        _assess(186, 112, NOW, acute_symptoms=[], acute_symptoms_at=NOW + timedelta(days=1))
    assert str(info.value) == (
        "patient.acute_symptoms_at: 2026-11-26T08:00+00:00 is after the assessment time 2026-11-25T08:00+00:00;"
        " an answer is recorded when it is given: check the date"
    )
    # within the policy's tolerance for clocks (5 minutes) it is taken
    a = _assess(186, 112, NOW, acute_symptoms=[], acute_symptoms_at=NOW + timedelta(minutes=5))
    assert "acute_symptoms" not in a.missing_inputs


@pytest.mark.parametrize(("symptoms", "asked"), [(None, True), ([], False), (["chest_pain"], False)])
def test_the_table_asks_for_the_symptoms_when_the_json_lists_them_missing(
    symptoms: list[str] | None, asked: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`triage assess --table`, the staff's readable summary, did not say that the symptoms of a
    severe pressure were not asked - only the JSON's missing_inputs did - so nothing prompted the
    question that decides between an urgency and an emergency transfer."""
    case = tmp_path / "case.json"
    readings = [
        {"code": code, "value": value, "unit": "mm[Hg]", "observed_at": "2026-11-25T09:58:00+08:00"}
        for code, value in (("sbp", 186), ("dbp", 112))
    ]
    body = {"patient": {"age": 58, "acute_symptoms": symptoms}, "observations": readings}
    case.write_text(json.dumps(body | {"assessed_at": "2026-11-25T10:00:00+08:00"}), encoding="utf-8")
    code, out, err = run(capsys, "assess", str(case), "--no-models", "--table")
    assert code == 0, err
    line = (
        "ask now:     acute symptoms (patient.acute_symptoms: chest_pain, dyspnoea, neurological_deficit,"
        " confusion, visual_loss, headache (in pregnancy or after birth), epigastric_pain (in pregnancy or"
        " after birth)) - with this pressure any one is a"
        " hypertensive emergency; record them ([] for none) and assess again"
    )
    assert (line in out.splitlines()) is asked, out
