"""A deferring reason keeps its whole finding: the words before its action, cut at the first ``: ``
outside brackets (``triage.rule_precedence``).

With the weeks of pregnancy not recorded a pregnancy reason says ``in pregnancy (weeks of pregnancy
not recorded: counted as from 20 weeks, when pre-eclampsia is possible)``. When such a reason defers -
``pregnancy_proteinuria_1plus``, ``_2plus`` and ``pregnancy_proteinuria_acr`` to
``pregnancy_proteinuria_symptoms`` beside a headache (58227e21) - its finding was cut at the first
``: ``, inside that bracket, and read ``urine protein 1+ (dipstick) in pregnancy (weeks of pregnancy
not recorded; pregnancy_proteinuria_1plus: supporting evidence for ...``: the bracket never closed,
the counting dropped, and the ``and no ACR`` after it lost."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy

NOT_RECORDED = (
    "in pregnancy (weeks of pregnancy not recorded: counted as from 20 weeks, when pre-eclampsia is possible)"
)
SYMPTOM_RULE = "pregnancy_proteinuria_symptoms"


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize(
    ("rule", "readings", "finding"),
    [
        (
            "pregnancy_proteinuria_1plus",
            [ob("urine_protein", "1+")],
            f"urine protein 1+ (dipstick) {NOT_RECORDED} and no ACR",
        ),
        (
            "pregnancy_proteinuria_2plus",
            [ob("urine_protein", "3+")],
            f"urine protein 3+ (dipstick) {NOT_RECORDED} and no ACR",
        ),
        (
            "pregnancy_proteinuria_acr",
            [ob("albumin_creatinine_ratio", 8, "mg/mmol")],
            f"ACR 70.7 mg/g (reported 8 mg/mmol) {NOT_RECORDED}",
        ),
    ],
    ids=["1+", "3+", "ACR 8 mg/mmol"],
)
@pytest.mark.parametrize("pressure", [(), (130, 85)], ids=["no pressure", "130/85"])
def test_a_deferring_pregnancy_reason_with_the_weeks_not_recorded_keeps_its_whole_finding(
    policy: Policy, rule: str, readings: list[Observation], finding: str, pressure: tuple[float, ...]
) -> None:
    bp = [ob("sbp", pressure[0]), ob("dbp", pressure[1])] if pressure else []
    patient = PatientContext(age=30, sex="female", pregnant=True, acute_symptoms=("headache",))
    a = assess(patient, [*readings, *bp], policy, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == rule]
    assert reason.values["deferred_to"] == SYMPTOM_RULE
    assert reason.detail.startswith(f"{finding}; {rule}: supporting evidence for {SYMPTOM_RULE}, "), (
        reason.detail
    )
    assert _balanced(reason.detail), reason.detail


def test_with_the_weeks_recorded_the_finding_is_as_before(policy: Policy) -> None:
    patient = PatientContext(
        age=30, sex="female", pregnant=True, gestation_weeks=30, acute_symptoms=("headache",)
    )
    a = assess(patient, [ob("urine_protein", "1+")], policy, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == "pregnancy_proteinuria_1plus"]
    assert reason.detail.startswith(
        "urine protein 1+ (dipstick) in pregnancy at 30 weeks and no ACR; pregnancy_proteinuria_1plus:"
        f" supporting evidence for {SYMPTOM_RULE}, "
    ), reason.detail
