"""A woman of reproductive age (WHO: 15-49) with a pressure of 140 and/or 90 mmHg or more whose
pregnancy or recent birth was not recorded: the answer changes the action (in pregnancy and the 6
weeks after birth a same-day obstetric assessment, 160 and/or 110 an emergency transfer; otherwise
"confirm on separate days" at local care), so ``missing_inputs`` names ``pregnant`` and
``postpartum`` - not recorded is not no. It named nothing, and 150/95 was local care in a month
without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import Policy


def _missing(policy: Policy, patient: PatientContext, sbp: float, dbp: float) -> set[str]:
    return set(assess(patient, [ob("sbp", sbp), ob("dbp", dbp)], policy, now=NOW).missing_inputs)


@pytest.mark.parametrize(("sbp", "dbp"), [(140, 80), (120, 90), (165, 112)])
def test_a_woman_of_reproductive_age_is_asked(policy: Policy, sbp: float, dbp: float) -> None:
    for age in (15, 30, 49, None):
        for sex in ("female", None):
            assert {"pregnant", "postpartum"} <= _missing(policy, PatientContext(age=age, sex=sex), sbp, dbp)
    answered = PatientContext(age=30, sex="female", pregnant=False)
    assert _missing(policy, answered, sbp, dbp) & {"pregnant", "postpartum"} == {"postpartum"}


def test_nobody_else_is_asked(policy: Policy) -> None:
    for patient, sbp, dbp in (
        (PatientContext(age=30, sex="female"), 139, 89),  # below the pregnancy cut-points
        (PatientContext(age=14, sex="female"), 150, 95),
        (PatientContext(age=50, sex="female"), 150, 95),
        (PatientContext(age=30, sex="male"), 150, 95),
        (PatientContext(age=30, sex="female", pregnant=False, postpartum=False), 150, 95),
        (PatientContext(age=30, sex="female", pregnant=True), 150, 95),
        (PatientContext(age=30, sex="female", postpartum=True), 150, 95),
    ):
        assert not _missing(policy, patient, sbp, dbp) & {"pregnant", "postpartum"}, patient


def test_the_table_says_to_ask(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli import main

    at = "2026-11-25T10:00:00+08:00"
    readings = [
        {"code": c, "value": v, "unit": "mmHg", "observed_at": at} for c, v in (("sbp", 150), ("dbp", 95))
    ]
    path = tmp_path / "case.json"
    path.write_text(
        json.dumps({"assessed_at": at, "patient": {"age": 30, "sex": "female"}, "observations": readings})
    )
    assert main(["assess", str(path), "--no-models", "--table"]) == 0
    table = capsys.readouterr().out
    assert (
        "ask now:     patient.pregnant and patient.postpartum - in pregnancy or the 6 weeks after birth"
        in table
    )
