"""A child's SpO2 of 94-95 % is seen by a clinician now, not re-checked in 30 days.

Under 16 NEWS2 is not used (RCP 2017), so a child's SpO2 of 94 or 95 % reached no rule: with SpO2
alone the answer was local care, re-check in 30 days, and nothing said why - where a 16-year-old's
95 % scores a NEWS2 point (a registered nurse assesses, 4-6-hourly) and NICE NG143 (fever in under
5s) makes a SpO2 of 95 % or less in air an amber sign: intermediate risk of serious illness, a
face-to-face assessment and, without a diagnosis, a safety net or a paediatric referral.
``spo2_borderline_child`` now says the child's band (94-95 %) and asks a clinician to assess the
child now (local care, re-check 0). Nothing is lowered: 93.9 % stays ``spo2_low`` (urgent referral),
from 16 NEWS2 reads it as before, and 96 % reaches no SpO2 rule."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

CHILD = "in a child (under 16: NEWS2's SpO2 scales are for adults)"
BORDERLINE = (
    "94-95 %: a clinician assesses the child face to face now (NICE NG143: 95 % or less in air is an"
    " amber sign in a child under 5, intermediate risk of serious illness) - breathing, colour,"
    " feeding and fluids, and the other observations on a paediatric early warning score (PEWS);"
    " check the probe is a child's and repeat; without a diagnosis give the parents or carers a safety"
    " net (the warning signs, and when and where to come back) or refer for a paediatric assessment"
)
CHILD_AGES = [0.5, 4, 15, 15.9]


def _assess(policy: Policy, spo2: float, age: float | None, *, extra: tuple[object, ...] = ()) -> Assessment:
    readings = [ob("spo2", spo2), ob("supplemental_o2", "air"), *extra]
    return assess(PatientContext(age=age), readings, policy, now=NOW)


def _spo2_rules(a: Assessment) -> list[str]:
    return [r.rule for r in a.reasons if r.rule.startswith("spo2_")]


@pytest.mark.parametrize("age", CHILD_AGES)
@pytest.mark.parametrize("spo2", [94, 95, 95.9])
def test_a_child_at_94_to_95_is_assessed_now(policy: Policy, age: float, spo2: float) -> None:
    a = _assess(policy, spo2, age)
    assert _spo2_rules(a) == ["spo2_borderline_child"], a.reasons
    (reason,) = [r for r in a.reasons if r.rule == "spo2_borderline_child"]
    assert reason.detail.startswith(f"SpO2 {spo2:g} % {CHILD}: {BORDERLINE}; measured "), reason.detail
    assert reason.values["child"] is True and reason.values["band"] == "borderline"
    assert a.disposition is Disposition.local_care and a.recheck_minutes == 0
    assert a.scores["oximetry"].detail == f"SpO2 {spo2:g} % {CHILD}: 94-95 %"


@pytest.mark.parametrize("age", CHILD_AGES)
def test_93_9_stays_a_same_day_review(policy: Policy, age: float) -> None:
    a = _assess(policy, 93.9, age)
    assert _spo2_rules(a) == ["spo2_low"] and a.disposition is Disposition.urgent_referral


@pytest.mark.parametrize("age", CHILD_AGES)
def test_96_reaches_no_spo2_rule_and_is_said_as_96_or_more(policy: Policy, age: float) -> None:
    a = _assess(policy, 96, age)
    assert _spo2_rules(a) == []
    assert a.scores["oximetry"].detail == f"SpO2 96 % {CHILD}: 96 % or more"


@pytest.mark.parametrize("age", [16, 40, None])
@pytest.mark.parametrize("spo2", [93.9, 94, 95, 95.9, 96])
def test_from_16_or_an_unknown_age_nothing_changes(policy: Policy, age: float | None, spo2: float) -> None:
    a = _assess(policy, spo2, age)
    assert "spo2_borderline_child" not in _spo2_rules(a)
    assert _spo2_rules(a) == (["spo2_low"] if spo2 < 94 else [])
    assert "on scale 1" in a.scores["oximetry"].detail


def test_a_childs_unscored_pulse_beside_it_keeps_insufficient_data(policy: Policy) -> None:
    """A child's pulse and breathing no rule reads still mean a clinician assesses them now: the
    SpO2 reason's local care does not make them reassuring."""
    a = _assess(policy, 95, 4, extra=(ob("heart_rate", 150), ob("resp_rate", 34)))
    assert "spo2_borderline_child" in _spo2_rules(a)
    assert a.disposition is Disposition.insufficient_data and a.recheck_minutes == 0


def test_a_child_on_a_clinician_set_scale_2_keeps_scale_2(policy: Policy) -> None:
    readings = [ob("spo2", 95), ob("supplemental_o2", "oxygen")]
    a = assess(PatientContext(age=12, spo2_scale2=True), readings, policy, now=NOW)
    assert "spo2_borderline_child" not in _spo2_rules(a)


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    payload = _payload(PatientContext(age=4), [ob("spo2", 95), ob("supplemental_o2", "air")], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "spo2_borderline_child"]
    en, zh = (EngineText(lang, payload).rule_detail(reason) for lang in ("en", "zh"))
    assert en.startswith(f"SpO2 95 % {CHILD}: {BORDERLINE}; measured "), en
    assert zh.startswith(
        "血氧饱和度 95 %（儿童，16 岁以下：NEWS2 的 SpO2 量表用于成人）：94-95 %：医生立即面诊"
    ), zh
    assert "琥珀色体征" in zh and "儿童早期预警评分" in zh and "量表 1" not in zh
