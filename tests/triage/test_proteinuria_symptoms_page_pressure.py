"""The staff pages' ``pregnancy_proteinuria_symptoms`` says the pressure as the engine read it.

The rule fires below 140/90 mmHg or with no pressure measured (58227e21). Its page text said
"(from 20 weeks, below 140/90 mmHg)" whatever was measured, so with no blood pressure it told the
nurse, in en and zh, that the pressure was below 140/90 - a reading nobody took - where the engine's
reason says "(no blood pressure measured) ...; measure the blood pressure now". With no pressure
among the readings the assessment used the page now says so and asks for it; with one it says
"below 140/90 mmHg" as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import ob
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "pregnancy_proteinuria_symptoms"
URINE = {"1+": [ob("urine_protein", "1+")], "ACR 8 mg/mmol": [ob("albumin_creatinine_ratio", 8, "mg/mmol")]}


def _pages(policy: Policy, readings: list[Observation], weeks: int | None) -> tuple[str, str]:
    context = PatientContext(
        age=30, sex="female", pregnant=True, gestation_weeks=weeks, acute_symptoms=("headache",)
    )
    payload = _payload(context, readings, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    return EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)


@pytest.mark.parametrize("urine", list(URINE))
@pytest.mark.parametrize("weeks", [30, None])
def test_with_no_pressure_measured_the_page_says_so_and_asks_for_it(
    policy: Policy, urine: str, weeks: int | None
) -> None:
    en, zh = _pages(policy, URINE[urine], weeks)
    assert (
        "headache in pregnancy with new proteinuria (from 20 weeks, no blood pressure measured: measure it now):"
        in en
    )
    assert "below 140/90" not in en
    assert "（妊娠 20 周起，未测血压：请立即测量）" in zh and "低于 140/90" not in zh
    assert not english_left(zh)


@pytest.mark.parametrize("urine", list(URINE))
@pytest.mark.parametrize(("sbp", "dbp"), [(130, 85), (139, 89)])
def test_with_a_pressure_below_140_90_the_page_says_below_140_90(
    policy: Policy, urine: str, sbp: float, dbp: float
) -> None:
    en, zh = _pages(policy, [*URINE[urine], ob("sbp", sbp), ob("dbp", dbp)], 30)
    assert "headache in pregnancy with new proteinuria (from 20 weeks, below 140/90 mmHg):" in en
    assert "measure it now" not in en
    assert "（妊娠 20 周起，血压低于 140/90 mmHg）" in zh and "未测血压" not in zh


def test_with_the_systolic_alone_the_page_does_not_say_none_was_measured(policy: Policy) -> None:
    en, zh = _pages(policy, [*URINE["1+"], ob("sbp", 130)], 30)
    assert "(from 20 weeks, below 140/90 mmHg)" in en and "未测血压" not in zh
