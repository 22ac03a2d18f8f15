"""Established ASCVD not recorded (``known_ascvd`` null) beside a primary-prevention estimate is asked.

China-PAR (中国心血管病风险评估和管理指南 2019: primary prevention), the Pooled Cohort Equations
("for adults without clinical ASCVD": Goff 2013; the 2019 ACC/AHA primary-prevention guideline) and
the first-event models cvd10 and stroke10 assume the patient has no established ASCVD. With it
recorded the estimate is withdrawn and she is in secondary prevention, at very high risk; with it
not recorded the estimate was made and shown as primary prevention, and nothing asked the question.
Now ``known_ascvd`` is listed under ``missing_inputs`` (the staff pages' missing list, "established
ASCVD" / 已确诊动脉粥样硬化性心血管病; ``--table``'s "ask now") whenever such an estimate was made
without it - the score is kept, nothing else changes - as a pregnancy is asked at 140/90.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping

riskmodels = pytest.importorskip("triage.riskmodels")

POLICIES = {
    "built-in": load_policy(),
    "clinic": policy_from_mapping({"rules": {"cvd_risk_high": {"level": "routine_referral"}}}),
}
HISTORY = {
    "age": 60,
    "sex": "male",
    "on_antihypertensives": True,
    "current_smoker": True,
    "diabetes": True,
    "region_north": True,
    "urban": True,
    "family_history_ascvd": False,
}


def _readings(**without: bool) -> list[Observation]:
    values = {"sbp": 150.0, "dbp": 85.0, "total_cholesterol": 5.7, "hdl_cholesterol": 1.0, "waist": 95.0}
    return [ob(code, value) for code, value in values.items() if code not in without]


def _assess(policy: Policy, known: bool | None, readings: list[Observation], **history: object) -> Assessment:
    patient = PatientContext(**{**HISTORY, **history, "known_ascvd": known})  # type: ignore[arg-type]
    return assess(patient, readings, policy, now=NOW)


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_an_estimate_made_without_it_asks_for_it_and_keeps_the_score(policy: Policy) -> None:
    asked, told = _assess(policy, None, _readings()), _assess(policy, False, _readings())
    assert "known_ascvd" in asked.missing_inputs and "known_ascvd" not in told.missing_inputs
    for name in ("china_par", "pce"):  # not refused: the same number, complete
        assert asked.scores[name] == told.scores[name] and asked.scores[name].value is not None
    assert asked.disposition is told.disposition and asked.reasons == told.reasons


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_either_equation_alone_asks_and_neither_does_not(policy: Policy) -> None:
    pce_alone = _assess(policy, None, _readings(waist=True))  # China-PAR lacks the waist
    assert pce_alone.scores["china_par"].value is None and pce_alone.scores["pce"].value is not None
    assert "known_ascvd" in pce_alone.missing_inputs
    china_par_alone = _assess(policy, None, _readings(), age=36)  # the PCE's ages are 40-79
    assert (
        china_par_alone.scores["pce"].value is None and china_par_alone.scores["china_par"].value is not None
    )
    assert "known_ascvd" in china_par_alone.missing_inputs
    for neither in (
        _assess(policy, None, _readings(total_cholesterol=True)),  # no cholesterol: no estimate
        _assess(policy, None, _readings(), age=30),  # outside both equations' ages
        _assess(policy, None, _readings(), sex="female", pregnant=True),  # not in pregnancy
    ):
        assert neither.scores["china_par"].value is None and neither.scores["pce"].value is None
        assert "known_ascvd" not in neither.missing_inputs


def test_recorded_established_ascvd_is_not_asked() -> None:
    a = _assess(POLICIES["built-in"], True, _readings())
    assert "known_ascvd" not in a.missing_inputs and "established_ascvd" in [r.rule for r in a.reasons]


def test_a_first_event_model_scored_without_it_asks_for_it() -> None:
    models = riskmodels.load_models()
    readings = _readings(hdl_cholesterol=True)  # no HDL: no equation, only the models estimate
    patient = PatientContext(**{**HISTORY, "age": 68, "height_cm": 170.0, "weight_kg": 72.0})  # type: ignore[arg-type]
    a = assess(patient, readings, POLICIES["built-in"], models=models, now=NOW)
    scored = [m.model for m in a.models if m.probability is not None]
    assert {"cvd10", "stroke10"} & set(scored), a.models
    assert a.scores["china_par"].value is None and "known_ascvd" in a.missing_inputs
    told = assess(
        patient.model_copy(update={"known_ascvd": False}),
        readings,
        POLICIES["built-in"],
        models=models,
        now=NOW,
    )
    assert "known_ascvd" not in told.missing_inputs


def test_triage_assess_table_asks_it_now(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli import main

    at = "2026-11-25T07:50:00Z"
    values = {"sbp": 150, "dbp": 85, "total_cholesterol": 5.7, "hdl_cholesterol": 1.0, "waist": 95}
    document = {
        "patient": HISTORY,
        "observations": [{"code": c, "value": v, "observed_at": at} for c, v in values.items()],
        "assessed_at": "2026-11-25T08:00:00Z",
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["assess", str(path), "--no-models", "--table"]) == 0
    table = capsys.readouterr().out
    (line,) = [row for row in table.splitlines() if "patient.known_ascvd" in row]
    assert line.startswith("ask now:     patient.known_ascvd - "), line
    assert "China-PAR" in line and "secondary prevention" in line, line
