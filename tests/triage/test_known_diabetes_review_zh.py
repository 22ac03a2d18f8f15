"""In known diabetes the Chinese pages ask for the treatment to be reviewed, as the English do, not
changed.

``detail.pregnancy_glucose.known_diabetes`` (147756f4) says "refer to antenatal care to review her
treatment with her diabetes team against the pregnancy targets", and fires from a fasting glucose of
5.1 mmol/L - at 5.1-5.2 inside her NICE NG3 target (<5.3). Its Chinese said 按妊娠期控制目标...调整治疗,
"adjust her treatment to the pregnancy targets": a change the English does not ask for, for a woman
who may be on target. ``detail.diabetes_range.known_diabetes`` ("review treatment against the
individual target", 594eeaaa) said 对照个体化目标调整治疗 likewise. Both now say 复核治疗 (review)."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import ob
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText


def _pages(policy: Policy, rule: str, readings: list[Observation], **patient: object) -> tuple[str, str]:
    context = PatientContext(age=31, sex="female", diabetes=True, **patient)  # type: ignore[arg-type]
    payload = _payload(context, [*readings, ob("sbp", 118), ob("dbp", 72)], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == rule]
    return EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)


@pytest.mark.parametrize("fasting", [5.1, 5.2, 7.5])
def test_known_diabetes_in_pregnancy_reviews_her_treatment_in_both_languages(
    policy: Policy, fasting: float
) -> None:
    en, zh = _pages(
        policy,
        "pregnancy_hyperglycaemia",
        [ob("glucose_fasting", fasting)],
        pregnant=True,
        gestation_weeks=24,
    )
    assert "to review her treatment with her diabetes team against the pregnancy targets" in en
    assert (
        "与其糖尿病团队一起对照妊娠期控制目标（空腹血糖 <5.3 mmol/L，餐后 1 小时 <7.8 mmol/L）复核治疗（非紧急）"
        in zh
    ), zh
    assert "调整" not in zh


def test_known_diabetes_in_the_diabetes_range_reviews_treatment_in_both_languages(policy: Policy) -> None:
    en, zh = _pages(policy, "glucose_diabetes_range", [ob("glucose_random", 12.0)])
    assert "review treatment against the individual target" in en
    assert "对照个体化目标复核治疗" in zh and "调整" not in zh, zh
