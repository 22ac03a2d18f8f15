"""A child's SpO2 of 94-95 % on supplemental oxygen is not said as a reading in air.

``spo2_borderline_child`` said "NICE NG143: 95 % or less in air is an amber sign" for a 4-year-old
on supplemental oxygen at 95 %: that amber sign is read in air, and a child who needs oxygen to reach
94-95 % would be lower breathing air. On oxygen the reason now says the saturation is on oxygen, not
in air, and that a clinician assesses the child now (the oxygen's flow and why it is given among
what is checked); the level is the rule's and the re-check stays now - on air and with the air or
oxygen not recorded nothing changes. In the engine's English and on the staff pages (en, zh)."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import URGENCY, Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "spo2_borderline_child"
IN_AIR = "95 % or less in air is an amber sign"
ON_OXYGEN = "94-95 % on supplemental oxygen, not in air"


def assess_child(policy: Policy, age: int, spo2: float, o2: str | None) -> Assessment:
    readings = [ob("spo2", spo2)] + ([] if o2 is None else [ob("supplemental_o2", o2)])
    return assess(PatientContext(age=age), readings, policy, now=NOW)


def page_texts(policy: Policy, rule: str, spo2: float, o2: str) -> tuple[str, str]:
    """``rule``'s reason for a 4-year-old at ``spo2`` on ``o2`` as the staff pages say it: (en, zh)."""
    payload = _payload(PatientContext(age=4), [ob("spo2", spo2), ob("supplemental_o2", o2)], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == rule]
    return EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)


@pytest.mark.parametrize("age", [1, 4, 12, 15])
@pytest.mark.parametrize("spo2", [94, 95])
def test_on_oxygen_the_saturation_is_said_as_on_oxygen_and_assessed_now(
    policy: Policy, age: int, spo2: float
) -> None:
    on_oxygen = assess_child(policy, age, spo2, "oxygen")
    (reason,) = [r for r in on_oxygen.reasons if r.rule == RULE]
    assert ON_OXYGEN in reason.detail and "a clinician assesses the child face to face now" in reason.detail
    assert IN_AIR not in reason.detail and "safety net" not in reason.detail, reason.detail
    assert reason.values["oxygen"] is True and reason.level is Disposition.local_care
    # never lower nor later than the same child on air
    on_air = assess_child(policy, age, spo2, "air")
    assert URGENCY[on_oxygen.disposition] >= URGENCY[on_air.disposition]
    assert on_oxygen.recheck_minutes == 0


@pytest.mark.parametrize("o2", ["air", None])
def test_on_air_or_not_recorded_it_is_the_amber_sign_as_before(policy: Policy, o2: str | None) -> None:
    (reason,) = [r for r in assess_child(policy, 4, 95, o2).reasons if r.rule == RULE]
    assert IN_AIR in reason.detail and ON_OXYGEN not in reason.detail and "oxygen" not in reason.values


@pytest.mark.parametrize(
    ("o2", "en_said", "zh_said"),
    [
        pytest.param("oxygen", ON_OXYGEN, "吸氧下 94-95 %，并非呼吸空气时的读数", id="oxygen"),
        pytest.param("air", IN_AIR, "呼吸空气时 SpO2 ≤95 % 为琥珀色体征，提示中度严重疾病风险", id="air"),
    ],
)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, o2: str, en_said: str, zh_said: str
) -> None:
    en, zh = page_texts(policy, RULE, 95, o2)
    assert en_said in en, en
    assert zh_said in zh, zh
    assert (IN_AIR in en) is (o2 == "air")
    assert not english_left(zh)
