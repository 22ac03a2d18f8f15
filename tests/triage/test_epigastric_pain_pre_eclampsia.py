"""Right upper quadrant or epigastric pain is a severe feature of pre-eclampsia (``epigastric_pain``).

ACOG Practice Bulletin 222 (2020), Box 3, lists "persistent right upper quadrant or epigastric pain
unresponsive to medication and not accounted for by alternative diagnoses" among the severe
features (with impaired liver function: HELLP), and NICE NG133 1.1.1 tells pregnant women to be
seen immediately for "severe pain just below the ribs". The closed vocabulary of acute symptoms had
no such value: a woman at 32 weeks with 150/95 and epigastric pain could be recorded with none of
the symptoms and was an urgent referral (``pregnancy_hypertension``), the pain named nowhere, where
the severe feature makes it an emergency transfer to an obstetric unit. Now ``epigastric_pain``
counts as a headache does - in pregnancy from 20 weeks (or with the weeks not recorded, said), and
in the 6 weeks after birth - toward ``pre_eclampsia_severe_features`` from 140 and/or 90 and
``hypertensive_emergency`` from 180 and/or 110; outside them it is no sign here (epigastric pain
alone has many causes). Below 140/90 in them it is a same-day obstetric assessment of its own
(HELLP syndrome: tests/triage/test_epigastric_pain_at_any_pressure.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.triage.assess_cli import run
from tests.triage.conftest import NOW, RECENT, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import ACUTE_SYMPTOMS, PatientContext, patient_from_mapping
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

E, U = Disposition.emergency_transfer, Disposition.urgent_referral
PAIN = "right upper quadrant or epigastric pain"


def _assess(policy: Policy, sbp: float, dbp: float, symptoms: list[str], **patient: object) -> Assessment:
    fields: dict[str, object] = {"age": 29, "sex": "female", "acute_symptoms": symptoms, **patient}
    return assess(PatientContext(**fields), [ob("sbp", sbp), ob("dbp", dbp)], policy, now=NOW)  # type: ignore[arg-type]


def _rules(a: Assessment) -> dict[str, object]:
    return {r.rule: r for r in a.reasons}


def test_it_is_in_the_vocabulary_and_the_input_takes_it() -> None:
    assert "epigastric_pain" in ACUTE_SYMPTOMS
    p = patient_from_mapping({"sex": "female", "pregnant": True, "acute_symptoms": ["epigastric_pain"]})
    assert p.acute_symptoms == ("epigastric_pain",)


@pytest.mark.parametrize(
    ("patient", "where"),
    [
        ({"pregnant": True, "gestation_weeks": 32}, "in pregnancy at 32 weeks"),
        ({"pregnant": True, "gestation_weeks": 20}, "in pregnancy at 20 weeks"),
        ({"pregnant": True}, "in pregnancy (weeks of pregnancy not recorded: counted as from 20 weeks"),
        ({"pregnant": False, "postpartum": True}, "after birth (postpartum, within 6 weeks)"),
    ],
)
@pytest.mark.parametrize(("sbp", "dbp"), [(150, 95), (140, 80), (130, 90)])
def test_with_140_or_90_it_is_pre_eclampsia_with_severe_features(
    policy: Policy, patient: dict[str, object], where: str, sbp: float, dbp: float
) -> None:
    a = _assess(policy, sbp, dbp, ["epigastric_pain"], **patient)
    reason = _rules(a)["pre_eclampsia_severe_features"]
    assert a.disposition is E and "pre_eclampsia_severe_features" in a.red_flags
    assert reason.values["acute_symptoms"] == "epigastric_pain"  # type: ignore[attr-defined]
    detail = reason.detail  # type: ignore[attr-defined]
    assert where in detail and f"with {PAIN} (HELLP syndrome?)" in detail, detail
    assert "the pain counts unless that assessment finds another cause" in detail
    assert not {"acute_symptom_emergency", "acute_symptom_urgent"} & set(_rules(a))


@pytest.mark.parametrize(
    ("sbp", "dbp", "patient"),
    [
        (139, 89, {"pregnant": True, "gestation_weeks": 32}),  # below the pressure
        (150, 95, {"pregnant": True, "gestation_weeks": 19}),  # before pre-eclampsia is possible
        (150, 95, {"pregnant": False, "postpartum": False}),  # neither
        (150, 95, {"pregnant": False}),  # a birth not recorded
    ],
)
def test_below_the_pressure_or_outside_pregnancy_it_does_not_count(
    policy: Policy, sbp: float, dbp: float, patient: dict[str, object]
) -> None:
    a = _assess(policy, sbp, dbp, ["epigastric_pain"], **patient)
    assert "pre_eclampsia_severe_features" not in _rules(a)
    assert a.disposition is not E


def test_with_a_severe_pressure_it_is_a_hypertensive_emergency_in_pregnancy(policy: Policy) -> None:
    a = _assess(policy, 182, 112, ["epigastric_pain"], pregnant=True, gestation_weeks=34)
    reason = _rules(a)["hypertensive_emergency"]
    assert reason.values["acute_symptoms"] == "epigastric_pain"  # type: ignore[attr-defined]
    assert reason.values["gestation_weeks"] == 34  # type: ignore[attr-defined]
    assert f"with {PAIN} in pregnancy at 34 weeks: hypertensive emergency" in reason.detail  # type: ignore[attr-defined]


def test_after_birth_the_reason_says_after_birth(policy: Policy) -> None:
    a = _assess(policy, 185, 100, ["headache", "epigastric_pain"], pregnant=False, postpartum=True)
    reason = _rules(a)["hypertensive_emergency"]
    assert reason.values["acute_symptoms"] == "headache, epigastric_pain"  # type: ignore[attr-defined]
    assert (
        "with headache after birth (postpartum, within 6 weeks: pre-eclampsia is possible),"
        f" {PAIN} after birth (postpartum, within 6 weeks: pre-eclampsia is possible)"
    ) in reason.detail  # type: ignore[attr-defined]


def test_a_man_with_a_severe_pressure_and_epigastric_pain_is_no_hypertensive_emergency(
    policy: Policy,
) -> None:
    a = _assess(policy, 185, 115, ["epigastric_pain"], sex="male", age=60)
    assert "hypertensive_emergency" not in _rules(a) and a.disposition is U


@pytest.mark.parametrize(
    ("language", "postpartum", "said"),
    [
        ("en", False, PAIN + " in pregnancy"),
        ("zh", False, "妊娠期上腹部或右上腹痛"),
        ("en", True, PAIN + " after birth"),
        ("zh", True, "产后上腹部或右上腹痛"),
    ],
)
def test_the_staff_pages_name_it_in_both_languages(
    policy: Policy, language: str, postpartum: bool, said: str
) -> None:
    patient = (
        {"pregnant": False, "postpartum": True} if postpartum else {"pregnant": True, "gestation_weeks": 30}
    )
    a = _assess(policy, 185, 100, ["epigastric_pain"], **patient)
    payload = json.loads(a.model_dump_json())
    shown = {
        r["rule"]: EngineText(language, payload).rule_detail(r)
        for r in payload["reasons"]
        if r["rule"] in ("hypertensive_emergency", "pre_eclampsia_severe_features")
    }
    assert len(shown) == 2 and all(said in s for s in shown.values()), shown


def test_triage_assess_asks_for_it_beside_a_pressure_in_pregnancy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--table``'s "ask now" line, at 150/95 mmHg at 30 weeks with the symptoms not asked, names
    it among the symptoms, and the answer given routes her."""
    doc: dict[str, Any] = {
        "assessed_at": NOW.isoformat(),
        "patient": {"age": 29, "sex": "female", "pregnant": True, "gestation_weeks": 30},
        "observations": [
            {"code": "sbp", "value": 150, "unit": "mmHg", "observed_at": RECENT.isoformat()},
            {"code": "dbp", "value": 95, "unit": "mmHg", "observed_at": RECENT.isoformat()},
        ],
    }
    path = tmp_path / "pregnant.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run(capsys, "assess", str(path), "--no-models", "--table")
    ask = next(line for line in out.splitlines() if line.startswith("ask now:     acute symptoms"))
    assert code == 0 and "epigastric_pain (in pregnancy or after birth)" in ask
    assert "headache, epigastric_pain, visual_loss" in ask
    doc["patient"]["acute_symptoms"] = ["epigastric_pain"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, out, _ = run(capsys, "assess", str(path), "--no-models")
    assert code == 0 and json.loads(out)["disposition"] == "emergency_transfer"
