"""An ACR of 3-7.9 mg/mmol in pregnancy from 20 weeks is said as below NICE NG133's significant
proteinuria, not only as KDIGO's "moderately or severely increased albuminuria".

At 30 weeks, 145/92 mmHg and an ACR of 5 mg/mmol ``pregnancy_hypertension`` sends her the same day for
pre-eclampsia and names the ACR as measured (not as proteinuria: NICE NG133 (2019) 1.4.7 and its
definition of pre-eclampsia count an ACR of 8 mg/mmol, 70.7 mg/g, or more), while ``albuminuria`` said
beside it "moderately or severely increased albuminuria: confirm on a repeat sample; refer
(non-emergency)" - which, beside new hypertension, reads as the proteinuria of pre-eclampsia. It now
says that the ACR is below the 8 mg/mmol NG133 counts as significant proteinuria in pregnancy, not the
proteinuria of pre-eclampsia; its level (a non-emergency referral) and KDIGO's repeat are kept, and it
is not made supporting evidence for the pre-eclampsia assessment. From 8 mg/mmol, before 20 weeks and
outside pregnancy nothing changes."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

KDIGO = "moderately or severely increased albuminuria: confirm on a repeat sample; refer (non-emergency)"
BELOW = (
    "below the 8 mg/mmol (70.7 mg/g) NICE NG133 counts as significant proteinuria in pregnancy: not the"
    " proteinuria of pre-eclampsia; confirm on a repeat sample; refer (non-emergency)"
)


def _assess(
    policy: Policy, acr: float, unit: str, sbp: float = 120, dbp: float = 75, **patient: object
) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", **patient})  # type: ignore[arg-type]
    readings = [ob("sbp", sbp), ob("dbp", dbp), ob("albumin_creatinine_ratio", acr, unit)]
    return assess(context, readings, policy, now=NOW)


def _found(a: Assessment) -> dict[str, tuple[str, dict[str, object]]]:
    return {r.rule: (r.detail, dict(r.values)) for r in a.reasons}


@pytest.mark.parametrize(("acr", "unit"), [(3.0, "mg/mmol"), (7.9, "mg/mmol"), (30, "mg/g"), (70.6, "mg/g")])
@pytest.mark.parametrize(
    ("sbp", "dbp", "disposition"), [(120, 75, "routine_referral"), (140, 85, "urgent_referral")]
)
@pytest.mark.parametrize("weeks", [20, 30, None])
def test_from_20_weeks_below_8_it_is_said_below_significant_proteinuria(
    policy: Policy, acr: float, unit: str, sbp: float, dbp: float, disposition: str, weeks: int | None
) -> None:
    a = _assess(policy, acr, unit, sbp, dbp, pregnant=True, gestation_weeks=weeks)
    detail, values = _found(a)["albuminuria"]
    where = "in pregnancy at 30 weeks" if weeks == 30 else "in pregnancy"
    assert f"(A2): moderately increased albuminuria {where}" in detail and BELOW in detail, detail
    assert KDIGO not in detail and values["pregnant"] is True and "deferred_to" not in values
    assert a.disposition is Disposition(disposition)
    assert next(r for r in a.reasons if r.rule == "albuminuria").level is Disposition.routine_referral
    if sbp >= 140:  # the same-day assessment names the ACR as measured, not as proteinuria
        pressure, _ = _found(a)["pregnancy_hypertension"]
        assert "for pre-eclampsia (symptoms; measured: ACR" in pressure, pressure


@pytest.mark.parametrize(("acr", "unit"), [(2.9, "mg/mmol"), (29.9, "mg/g")])
def test_below_a2_nothing_fires_as_before(policy: Policy, acr: float, unit: str) -> None:
    assert "albuminuria" not in _found(_assess(policy, acr, unit, pregnant=True, gestation_weeks=30))


@pytest.mark.parametrize(("acr", "unit"), [(8.0, "mg/mmol"), (70.7, "mg/g")])
def test_from_8_it_is_significant_proteinuria_as_before(policy: Policy, acr: float, unit: str) -> None:
    below = _found(_assess(policy, acr, unit, pregnant=True, gestation_weeks=30))
    assert set(below) == {"pregnancy_proteinuria_acr"}, below
    raised = _found(_assess(policy, acr, unit, 140, 85, pregnant=True, gestation_weeks=30))
    assert raised["albuminuria"][1]["deferred_to"] == "pregnancy_hypertension"


@pytest.mark.parametrize("patient", [{"pregnant": True, "gestation_weeks": 19}, {}, {"postpartum": True}])
def test_before_20_weeks_and_outside_pregnancy_it_is_kdigos_as_before(
    policy: Policy, patient: dict[str, object]
) -> None:
    detail, values = _found(_assess(policy, 5.0, "mg/mmol", **patient))["albuminuria"]
    assert KDIGO in detail and BELOW not in detail and "pregnant" not in values


@pytest.mark.parametrize(
    ("patient", "en_said", "zh_said"),
    [
        pytest.param(
            {"pregnant": True, "gestation_weeks": 30},
            "moderately increased albuminuria in pregnancy (from 20 weeks), below the 8 mg/mmol",
            "低于妊娠期显著蛋白尿的界值 8 mg/mmol",
            id="pregnancy",
        ),
        pytest.param({}, "moderately or severely increased albuminuria", "白蛋白尿中度或重度增加", id="not"),
    ],
)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, patient: dict[str, object], en_said: str, zh_said: str
) -> None:
    context = PatientContext(**{"age": 30, "sex": "female", **patient})  # type: ignore[arg-type]
    readings = [ob("sbp", 140), ob("dbp", 85), ob("albumin_creatinine_ratio", 5.0, "mg/mmol")]
    payload = _payload(context, readings, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "albuminuria"]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert en_said in en and "refer (non-emergency)" in en, en
    assert zh_said in zh and "转诊" in zh and not english_left(zh), zh
