"""A dipstick of 3+ or more beside hypertension asks for the check for oedema that ``proteinuria_3plus``
asks for (nephrotic syndrome).

``proteinuria_3plus`` ("measure the ACR and creatinine now; check for oedema (nephrotic syndrome); refer
(non-emergency)") leaves a dipstick beside hypertension to ``proteinuria_with_hypertension``
(``triage.rule_checks.unquantified_proteinuria``, ``leaves_to``: the same level and re-check), which
said only "check ACR and creatinine; refer (non-emergency)": a man with known hypertension and a 3+
dipstick was never asked to be checked for oedema, where the same dipstick without hypertension is. At
3+ or more it now says "check ACR and creatinine, and for oedema (nephrotic syndrome); refer
(non-emergency)"; at 1+ and 2+, and in pregnancy from 20 weeks with known hypertension (superimposed
pre-eclampsia), as before. In the engine's English and on the staff pages (en, zh)."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "proteinuria_with_hypertension"
OEDEMA = "check ACR and creatinine, and for oedema (nephrotic syndrome); refer (non-emergency)"
KNOWN = PatientContext(age=50, sex="male", hypertension=True)
UNKNOWN = PatientContext(age=50, sex="male")


def _readings(protein: str, sbp: float, dbp: float) -> list[Observation]:
    return [ob("urine_protein", protein), ob("sbp", sbp), ob("dbp", dbp)]


@pytest.mark.parametrize("protein", ["3+", "4+"])
@pytest.mark.parametrize(
    ("patient", "sbp", "dbp"), [(KNOWN, 130, 80), (UNKNOWN, 150, 95)], ids=["known hypertension", "raised"]
)
def test_at_3plus_the_oedema_is_checked(
    policy: Policy, protein: str, patient: PatientContext, sbp: float, dbp: float
) -> None:
    a = assess(patient, _readings(protein, sbp, dbp), policy, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert reason.detail.split("; measured")[0].endswith(f": {OEDEMA}"), reason.detail
    assert "proteinuria_3plus" not in {r.rule for r in a.reasons}  # one action: this rule's
    assert reason.level is Disposition.routine_referral


@pytest.mark.parametrize("protein", ["1+", "2+"])
def test_below_3plus_as_before(policy: Policy, protein: str) -> None:
    (reason,) = [
        r for r in assess(KNOWN, _readings(protein, 130, 80), policy, now=NOW).reasons if r.rule == RULE
    ]
    assert (
        "check ACR and creatinine; refer (non-emergency)" in reason.detail and "oedema" not in reason.detail
    )


def test_superimposed_pre_eclampsia_as_before(policy: Policy) -> None:
    patient = PatientContext(age=30, sex="female", hypertension=True, pregnant=True, gestation_weeks=30)
    (reason,) = [
        r for r in assess(patient, _readings("3+", 130, 80), policy, now=NOW).reasons if r.rule == RULE
    ]
    assert "superimposed pre-eclampsia suspected" in reason.detail and "oedema" not in reason.detail


@pytest.mark.parametrize(
    ("protein", "en_said", "zh_said"),
    [
        ("3+", OEDEMA, "并检查有无水肿（肾病综合征）"),
        ("2+", "check ACR and creatinine; refer", "检测 ACR 和肌酐；转诊"),
    ],
)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, protein: str, en_said: str, zh_said: str
) -> None:
    payload = _payload(KNOWN, _readings(protein, 130, 80), policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert en_said in en, en
    assert zh_said in zh and not english_left(zh), zh
