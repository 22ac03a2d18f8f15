"""NEWS2's red score says how many parameters scored 3.

``news2_red_parameter`` said "NEWS2 red score (3 points in one parameter: heart_rate 131 /min,
temperature 34.9 Cel)" whatever it listed: with two or three parameters at 3 it named them all under
"one parameter". It now says "3 points in one parameter" for one and "3 points in each of 2
parameters" for several, in the engine's English (its own reason and, deferred to ``news2_emergency``,
its finding), and on the staff pages (en, zh: 单项参数 3 分 / 2 项参数各 3 分)."""

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

RULE = "news2_red_parameter"
ADULT = PatientContext(age=50)
# each scores 3 (RCP 2017 Chart 3): pulse >= 131, temperature <= 35.0, breathing >= 25
RED = {"heart_rate": 131, "temperature": 34.9, "resp_rate": 26}
# each of the others scores 0
CALM = {"heart_rate": 70, "temperature": 36.8, "resp_rate": 16}
COUNTED = {
    1: ("3 points in one parameter", "单项参数 3 分"),
    2: ("3 points in each of 2 parameters", "2 项参数各 3 分"),
    3: ("3 points in each of 3 parameters", "3 项参数各 3 分"),
}


def _readings(red: int) -> list[Observation]:
    codes = list(RED)
    return [ob(code, (RED if at < red else CALM)[code]) for at, code in enumerate(codes)]


@pytest.mark.parametrize("red", [1, 2, 3])
def test_the_reason_counts_the_parameters_that_scored_3(policy: Policy, red: int) -> None:
    a = assess(ADULT, _readings(red), policy, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    said = COUNTED[red][0]
    assert f"NEWS2 red score ({said}: " in reason.detail, reason.detail
    others = {n: s for n, (s, _) in COUNTED.items() if n != red}
    assert not any(s in reason.detail for s in others.values()), reason.detail
    assert reason.level is Disposition.urgent_referral
    # three at 3 is NEWS2 9: the emergency response, the red score its supporting evidence
    assert ("supporting evidence for news2_emergency" in reason.detail) is (red == 3)


@pytest.mark.parametrize("red", [1, 2, 3])
def test_the_staff_pages_count_them_in_both_languages(policy: Policy, red: int) -> None:
    payload = _payload(ADULT, _readings(red), policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).detail(reason), EngineText("zh", payload).detail(reason)
    en_said, zh_said = COUNTED[red]
    assert f"NEWS2 red score ({en_said})" in en, en
    assert f"NEWS2 红色评分（{zh_said}）" in zh and not english_left(zh), zh
