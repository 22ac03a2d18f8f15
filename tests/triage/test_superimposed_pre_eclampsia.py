"""Known hypertension and new dipstick proteinuria in pregnancy from 20 weeks is said as suspected
superimposed pre-eclampsia (``triage.rule_checks.proteinuria``: ``proteinuria_with_hypertension``).

A woman at 30 weeks with known (chronic) hypertension, 130/85 mmHg on treatment and dipstick protein
1+ was told "urine protein 1+ (dipstick) with known hypertension: check ACR and creatinine; refer
(non-emergency)" - the advice for the kidney damage of hypertension outside pregnancy. New proteinuria
from 20 weeks in chronic hypertension is pre-eclampsia superimposed on it until shown otherwise (ISSHP
2018: chronic hypertension with new proteinuria, maternal organ dysfunction or uteroplacental
dysfunction; NICE NG133 quantifies it with a PCR of 30 or an ACR of 8 mg/mmol), unless it was there
before 20 weeks (kidney disease). The level is unchanged (a referral; the pre-eclampsia rules beside it
say how soon); before 20 weeks and outside pregnancy the wording is as before."""

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

RULE = "proteinuria_with_hypertension"
SUPERIMPOSED = (
    "superimposed pre-eclampsia suspected - new proteinuria from 20 weeks in chronic hypertension (ISSHP 2018;"
    " NICE NG133), unless it was there before 20 weeks (kidney disease) - quantify it (urine protein:creatinine"
    " ratio >=30 mg/mmol or albumin:creatinine ratio >=8 mg/mmol) and check creatinine; refer to her obstetric"
    " team for a pre-eclampsia assessment (non-emergency; the same day with a headache, visual disturbance or"
    " epigastric pain, or from 140/90 mmHg; an emergency transfer from 160/110 mmHg, or from 140/90 mmHg with"
    " a symptom of pre-eclampsia)"
)
AS_BEFORE = "with known hypertension: check ACR and creatinine; refer (non-emergency)"


def _assess(policy: Policy, protein: str = "1+", **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", "hypertension": True, **patient})  # type: ignore[arg-type]
    return assess(context, [ob("urine_protein", protein), ob("sbp", 130), ob("dbp", 85)], policy, now=NOW)


def _reason(a: Assessment) -> tuple[str, dict[str, object]]:
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    return reason.detail, dict(reason.values)


@pytest.mark.parametrize("protein", ["1+", "2+", "4+"])
@pytest.mark.parametrize(
    ("patient", "where"),
    [
        ({"pregnant": True, "gestation_weeks": 30}, "in pregnancy at 30 weeks"),
        ({"pregnant": True, "gestation_weeks": 20}, "in pregnancy at 20 weeks"),
        (
            {"pregnant": True},
            "in pregnancy (weeks of pregnancy not recorded: counted as from 20 weeks, when pre-eclampsia is possible)",
        ),
    ],
    ids=["30 weeks", "20 weeks", "weeks not recorded"],
)
def test_from_20_weeks_it_is_said_as_superimposed_pre_eclampsia(
    policy: Policy, protein: str, patient: dict[str, object], where: str
) -> None:
    a = _assess(policy, protein, **patient)
    detail, values = _reason(a)
    assert detail.startswith(
        f"urine protein {protein} (dipstick) with known hypertension {where}: {SUPERIMPOSED}; measured "
    )
    assert values["superimposed"] is True
    assert a.disposition is Disposition.routine_referral  # unchanged: never lower


@pytest.mark.parametrize(
    "patient",
    [{"pregnant": True, "gestation_weeks": 19}, {"pregnant": False}, {"postpartum": True}, {}],
    ids=["19 weeks", "not pregnant", "after birth", "not recorded"],
)
def test_before_20_weeks_and_outside_pregnancy_it_reads_as_before(
    policy: Policy, patient: dict[str, object]
) -> None:
    detail, values = _reason(_assess(policy, **patient))
    assert AS_BEFORE in detail and "superimposed" not in detail and "superimposed" not in values


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    context = PatientContext(age=30, sex="female", hypertension=True, pregnant=True, gestation_weeks=30)
    payload = _payload(context, [ob("urine_protein", "1+"), ob("sbp", 130), ob("dbp", 85)], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert en.startswith(
        "proteinuria with hypertension: dipstick protein 1+; known hypertension in pregnancy"
    )
    assert "superimposed pre-eclampsia suspected" in en and "refer (non-emergency)" not in en
    assert "疑似慢性高血压并发子痫前期" in zh and not english_left(zh)
    outside = _payload(
        context.model_copy(update={"pregnant": False, "gestation_weeks": None}),
        [ob("urine_protein", "1+"), ob("sbp", 130), ob("dbp", 85)],
        policy,
    )
    (plain,) = [r for r in outside["reasons"] if r["rule"] == RULE]
    plain_en = EngineText("en", outside).rule_detail(plain)
    assert "dipstick protein 1+; check ACR and creatinine; refer (non-emergency)" in plain_en
    assert "检测 ACR 和肌酐；转诊（非紧急）" in EngineText("zh", outside).rule_detail(plain)
