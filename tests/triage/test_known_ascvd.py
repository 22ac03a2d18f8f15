"""A patient with established ASCVD (``patient.known_ascvd``: a prior MI, stroke or TIA, PAD or a
revascularisation) is in secondary prevention: China-PAR, the Pooled Cohort Equations and the
first-event models cvd10 and stroke10 are for people without it, and a 10-year % would falsely
reassure. They say "not applicable: established ASCVD - secondary prevention" (no number), the two
models are not scored and say why, and the decision's reasons say secondary prevention in primary
care - a referral only where another rule refers (docs/assessment.md, "Established ASCVD")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assess_request import parse_request
from triage.assessment import Disposition
from triage.errors import UserInputError
from triage.patient import PatientContext, patient_from_mapping
from triage.policy import load_policy
from triage.scores.china_par import china_par
from triage.scores.pce import pce

riskmodels = pytest.importorskip("triage.riskmodels")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "model-referral.json"
MAN = {
    "sex": "male",
    "age": 60.0,
    "sbp": 150.0,
    "on_antihypertensives": True,
    "tc_mgdl": 220.0,
    "hdl_mgdl": 40.0,
    "current_smoker": True,
    "diabetes": True,
}
CHINA_PAR = {**MAN, "waist_cm": 95.0, "region_north": True, "urban": True, "family_history_ascvd": False}


@pytest.fixture(scope="module")
def models() -> object:
    return riskmodels.load_models()


def _example() -> tuple[PatientContext, list[object]]:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request = parse_request(document, base_dir=EXAMPLE.parent, where=str(EXAMPLE))
    return request.patient, list(request.observations)


@pytest.mark.parametrize("known", [True, False, None])
def test_the_ten_year_equations_do_not_apply_with_established_ascvd(known: bool | None) -> None:
    for result in (china_par(**CHINA_PAR, known_ascvd=known), pce(**MAN, known_ascvd=known)):  # type: ignore[arg-type]
        if known:
            assert result.value is None and not result.applicable and result.band == "not_applicable"
            assert result.detail.startswith("not applicable: established ASCVD - secondary prevention")
            assert result.missing == ()
        else:  # not recorded or no: the primary-prevention estimate, as before
            assert result.value is not None and result.applicable, result


def test_the_model_referral_example_with_established_ascvd_is_secondary_prevention(models: object) -> None:
    patient, observations = _example()
    policy = load_policy()
    before = assess(patient, observations, policy, models=models, now=NOW)  # type: ignore[arg-type]
    assert before.disposition is Disposition.routine_referral  # on cvd10 and stroke10 alone
    a = assess(
        patient.model_copy(update={"known_ascvd": True}),
        observations,  # type: ignore[arg-type]
        policy,
        models=models,  # type: ignore[arg-type]
        now=NOW,
    )
    for name in ("china_par", "pce"):
        assert a.scores[name].value is None and a.scores[name].band == "not_applicable", a.scores[name]
    by_model = {m.model: m for m in a.models}
    for name in ("cvd10", "stroke10"):
        result = by_model[name]
        assert result.probability is None and not result.above_threshold, result
        assert "outside the model population: patient.known_ascvd is true" in result.explanation
    assert by_model["ckd"].probability is not None, "a model of something else is still scored"
    assert not any(r.rule in ("model:cvd10", "model:stroke10", "cvd_risk_high") for r in a.reasons)
    (reason,) = [r for r in a.reasons if r.rule == "established_ascvd"]
    assert reason.level is Disposition.local_care and not reason.red_flag
    assert "secondary prevention" in reason.detail and "no referral for it alone" in reason.detail
    assert a.disposition is Disposition.local_care, "no referral unless another rule refers"


def test_another_rule_still_refers_a_patient_with_established_ascvd() -> None:
    patient = PatientContext(age=66, sex="female", known_ascvd=True)
    a = assess(patient, [ob("sbp", 186), ob("dbp", 100)], load_policy(), now=NOW)
    assert {"established_ascvd", "hypertensive_crisis"} <= {r.rule for r in a.reasons}
    assert a.disposition is Disposition.urgent_referral


def test_known_ascvd_is_read_strictly_from_the_input() -> None:
    assert patient_from_mapping({"known_ascvd": True}).known_ascvd is True
    assert patient_from_mapping({}).known_ascvd is None
    with pytest.raises(UserInputError, match=r'patient\.known_ascvd: must be true or false .*\(got "yes"\)'):
        patient_from_mapping({"known_ascvd": "yes"})


def test_triage_assess_reads_it_and_the_table_says_secondary_prevention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage.cli import main

    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["patient"]["known_ascvd"] = True
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["assess", str(path), "--models"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["disposition"] == "local_care", printed["reasons"]
    assert "established_ascvd" in [r["rule"] for r in printed["reasons"]]
    assert main(["assess", str(path), "--models", "--table"]) == 0
    table = capsys.readouterr().out
    assert "established ASCVD - secondary prevention" in table and "established_ascvd" in table, table
