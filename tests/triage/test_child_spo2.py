"""A child's SpO2 is read as a child's, not on NEWS2's adult scale 1 (``spo2_critical``, ``spo2_low``).

Under 16 the reason said "SpO2 91 % on scale 1: critical: give oxygen to the target range" - NEWS2's
SpO2 scale and the BTS adult target range (94-98 %), neither used under 16 (RCP NEWS2 2017). It now
says "SpO2 91 % in a child (under 16: NEWS2's SpO2 scales are for adults): below 92 %: refer urgently
(same day) for a hospital assessment (NICE NG9 2021: SpO2 persistently below 92 % on air); ...".

The level stays an urgent referral: NICE NG9's 2015 1.3.1 referred a child with a persistent SpO2
below 92 % on air immediately for emergency care, but the August 2021 update moved that threshold
to "consider referring to hospital" (1.2.2; the committee: measurement in primary care is less
accurate, and such a child nearly always has another emergency criterion). NICE NG143 (fever in
under 5s) makes 95 % or less on air an amber sign, not an emergency either. Nothing is lowered."""

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
BELOW_92 = (
    "below 92 %: refer urgently (same day) for a hospital assessment (NICE NG9 2021: SpO2 persistently"
    " below 92 % on air); check the probe is a child's and well placed; give oxygen if it stays below"
    " 90 % (92 % under 6 weeks of age or with an underlying condition)"
)
LOW = "92-93 %: same-day clinical review; check the probe is a child's and repeat"


def _assess(policy: Policy, spo2: float, age: float | None) -> Assessment:
    readings = [ob("spo2", spo2), ob("supplemental_o2", "air")]
    return assess(PatientContext(age=age), readings, policy, now=NOW)


def _spo2_detail(a: Assessment) -> tuple[str, str] | None:
    found = [(r.rule, r.detail) for r in a.reasons if r.rule.startswith("spo2_")]
    assert len(found) <= 1, found
    return found[0] if found else None


@pytest.mark.parametrize("age", [0.5, 4, 15])
@pytest.mark.parametrize(
    ("spo2", "rule", "said"), [(91, "spo2_critical", BELOW_92), (91.5, "spo2_critical", BELOW_92)]
)
def test_a_child_below_92_is_referred_urgently_in_a_childs_words(
    policy: Policy, age: float, spo2: float, rule: str, said: str
) -> None:
    a = _assess(policy, spo2, age)
    found = _spo2_detail(a)
    assert found is not None and found[0] == rule
    assert found[1].startswith(f"SpO2 {spo2:g} % {CHILD}: {said}; measured "), found[1]
    assert "scale 1" not in found[1] and "target range" not in found[1]
    assert a.disposition is Disposition.urgent_referral and "spo2_critical" in a.red_flags
    assert next(r for r in a.reasons if r.rule == rule).values["child"] is True


@pytest.mark.parametrize("age", [0.5, 4, 15])
@pytest.mark.parametrize("spo2", [92, 93])
def test_a_child_at_92_or_93_has_a_same_day_review_in_a_childs_words(
    policy: Policy, age: float, spo2: int
) -> None:
    a = _assess(policy, spo2, age)
    found = _spo2_detail(a)
    assert found is not None and found[0] == "spo2_low"
    assert found[1].startswith(f"SpO2 {spo2} % {CHILD}: {LOW}; measured "), found[1]
    assert a.disposition is Disposition.urgent_referral


@pytest.mark.parametrize("age", [4, 15])
def test_a_child_at_94_reaches_neither_the_critical_nor_the_low_rule(policy: Policy, age: int) -> None:
    # 94-95 % is spo2_borderline_child's (tests/triage/test_child_spo2_borderline.py)
    found = _spo2_detail(_assess(policy, 94, age))
    assert found is not None and found[0] == "spo2_borderline_child", found


@pytest.mark.parametrize("age", [16, 40, None])
def test_from_16_or_an_unknown_age_the_reason_stays_on_scale_1(policy: Policy, age: int | None) -> None:
    for spo2, said in (
        (91, "on scale 1: critical: give oxygen to the target range"),
        (93, "on scale 1: low"),
    ):
        found = _spo2_detail(_assess(policy, spo2, age))
        assert found is not None and found[1].startswith(f"SpO2 {spo2} % {said}"), found
        assert CHILD not in found[1]


def test_a_child_whose_clinician_set_scale_2_keeps_scale_2(policy: Policy) -> None:
    readings = [ob("spo2", 98), ob("supplemental_o2", "oxygen")]
    a = assess(PatientContext(age=12, spo2_scale2=True), readings, policy, now=NOW)
    found = _spo2_detail(a)
    assert found is not None and found[1].startswith("SpO2 98 % on scale 2: critical high"), found


@pytest.mark.parametrize(
    ("spo2", "en", "zh"),
    [
        (
            91,
            f"SpO2 91 % {CHILD}: {BELOW_92}",
            "血氧饱和度 91 %（儿童，16 岁以下：NEWS2 的 SpO2 量表用于成人）：低于 92 %",
        ),
        (
            93,
            f"SpO2 93 % {CHILD}: {LOW}",
            "血氧饱和度 93 %（儿童，16 岁以下：NEWS2 的 SpO2 量表用于成人）：92-93 %",
        ),
    ],
)
def test_the_staff_pages_say_it_as_a_childs_in_both_languages(
    policy: Policy, spo2: int, en: str, zh: str
) -> None:
    readings = [ob("spo2", spo2), ob("supplemental_o2", "air")]
    for age, child in ((4, True), (40, False)):
        payload = _payload(PatientContext(age=age), readings, policy)
        (reason,) = [r for r in payload["reasons"] if r["rule"].startswith("spo2_")]
        shown_en, shown_zh = (EngineText(lang, payload).rule_detail(reason) for lang in ("en", "zh"))
        if child:
            assert shown_en.startswith(en) and shown_zh.startswith(zh), (shown_en, shown_zh)
            assert "scale 1" not in shown_en and "量表 1" not in shown_zh
        else:
            assert "on scale 1" in shown_en and "量表 1" in shown_zh and "儿童" not in shown_zh
