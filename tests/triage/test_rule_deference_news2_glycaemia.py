"""One problem, one action, beyond blood pressure: a NEWS2 red parameter (urgent review, hourly
observations) fired ``news2_low_elevated`` beside it ("registered nurse to assess", re-assess
4-6-hourly) and a red parameter beside a NEWS2 of 7 or more or a patient not alert (an emergency)
still asked for an urgent review; a glucose above the critical high, in the HHS range or with
ketones fired ``glucose_diabetes_range`` ("confirm with a repeat laboratory test") and a glucose
below the critical low ``hypoglycaemia_level1`` ("treat, re-check in 15 minutes") beside the
urgent referral. The lower rule stays in the Assessment as supporting evidence naming the rule
whose action applies (``values.deferred_to``; ``triage.rule_precedence``), in en and zh.

The walks run the engine's rules over NEWS2 observations and over glucose, HbA1c and ketones and
fail on any two reasons about one problem with different levels where the lower does not defer to
a rule at the problem's top level."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from tests.triage.test_rule_deference import check_one_action
from triage.assess import assess
from triage.assessment import Assessment, Reason
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.pages.engine_text import EngineText

POLICY = load_policy()
NEWS2_RULES = {
    "news2_emergency",
    "news2_urgent",
    "news2_red_parameter",
    "news2_low_elevated",
    "news2_incomplete",
    "altered_consciousness",
}
HYPERGLYCAEMIA = {
    "glucose_hhs_range",
    "glucose_critical_high",
    "ketones_with_hyperglycaemia",
    "glucose_diabetes_range",
}
HYPOGLYCAEMIA = {"glucose_critical_low", "hypoglycaemia_level1"}
# each lower rule's own action, which a deferring reason must not say
OWN_ACTION = {
    "news2_urgent": ("urgent response", "1-hourly"),
    "news2_low_elevated": ("registered nurse", "4-6-hourly"),
    "news2_red_parameter": ("urgent review", "1-hourly"),
    "glucose_diabetes_range": ("confirm", "review treatment", "continue the current management"),
    "hypoglycaemia_level1": ("treat", "re-check"),
}


def _assess(readings: list[Observation], **patient: object) -> Assessment:
    return assess(PatientContext.model_validate(patient), readings, POLICY, now=NOW)


def _vitals(rr: float, spo2: float, hr: float, acvpu: str, temperature: float | None) -> list[Observation]:
    readings = [ob("resp_rate", rr), ob("spo2", spo2), ob("heart_rate", hr), ob("consciousness", acvpu)]
    if temperature is not None:  # without it the score is a lower bound
        readings += [ob("temperature", temperature), ob("sbp", 124), ob("supplemental_o2", "air")]
    return readings


def test_every_lower_news2_reason_defers_to_the_action_that_applies() -> None:
    checked: set[tuple[str, str]] = set()
    for rr, spo2, hr, acvpu, temperature in itertools.product(
        (16, 22, 26), (97, 93, 90), (72, 100, 131), ("A", "V"), (36.8, 38.5, None)
    ):
        a = _assess(_vitals(rr, spo2, hr, acvpu, temperature), age=50)
        check_one_action([r for r in a.reasons if r.rule in NEWS2_RULES], checked, OWN_ACTION)
    assert {
        ("news2_low_elevated", "news2_red_parameter"),
        ("news2_low_elevated", "altered_consciousness"),
        ("news2_red_parameter", "news2_emergency"),
        ("news2_red_parameter", "altered_consciousness"),
        ("news2_urgent", "altered_consciousness"),
    } <= checked, checked


def test_every_lower_glycaemia_reason_defers_to_the_action_that_applies() -> None:
    checked: set[tuple[str, str]] = set()
    for random, fasting, ketones, hba1c, diabetes in itertools.product(
        (2.5, 3.5, 6.0, 11.1, 22.2, 22.3, 33.3, 40.0),
        (None, 2.9, 3.5, 7.5),
        (None, "2+"),
        (None, 8.0),
        (None, True),
    ):
        readings = [ob("glucose_random", random)]
        readings += [
            ob(code, value)
            for code, value in (("glucose_fasting", fasting), ("urine_ketones", ketones), ("hba1c", hba1c))
            if value is not None
        ]
        a = _assess(readings, diabetes=diabetes)
        for problem in (HYPERGLYCAEMIA, HYPOGLYCAEMIA):
            check_one_action([r for r in a.reasons if r.rule in problem], checked, OWN_ACTION, readings)
    assert {
        ("glucose_diabetes_range", "glucose_hhs_range"),
        ("glucose_diabetes_range", "glucose_critical_high"),
        ("glucose_diabetes_range", "ketones_with_hyperglycaemia"),
        ("hypoglycaemia_level1", "glucose_critical_low"),
    } <= checked, checked


def _reason(a: Assessment, rule: str) -> Reason:
    (reason,) = [r for r in a.reasons if r.rule == rule]
    return reason


# (readings, lower rule, the rule it defers to or None): each pair on both sides of the higher
# rule's cut-point
BOTH_SIDES = [
    ([ob("heart_rate", 130)], "news2_low_elevated", None),  # 2 points, no red score
    ([ob("heart_rate", 131)], "news2_low_elevated", "news2_red_parameter"),
    (_vitals(26, 93, 100, "A", 36.8), "news2_red_parameter", None),  # NEWS2 6: urgent, as the red score
    (_vitals(26, 93, 100, "A", 38.5), "news2_red_parameter", "news2_emergency"),  # NEWS2 7
    ([ob("glucose_random", 22.2)], "glucose_diabetes_range", None),
    ([ob("glucose_random", 22.3)], "glucose_diabetes_range", "glucose_critical_high"),
    ([ob("glucose_fasting", 3.0), ob("glucose_random", 3.5)], "hypoglycaemia_level1", None),
    ([ob("glucose_fasting", 2.9), ob("glucose_random", 3.5)], "hypoglycaemia_level1", "glucose_critical_low"),
]


@pytest.mark.parametrize(("readings", "lower", "higher"), BOTH_SIDES)
def test_the_lower_rule_defers_only_when_the_higher_one_fires(
    readings: list[Observation], lower: str, higher: str | None
) -> None:
    a = _assess(readings, age=50)
    reason = _reason(a, lower)
    assert reason.values.get("deferred_to") == higher, reason
    said = [phrase for phrase in OWN_ACTION[lower] if phrase in reason.detail]
    if higher is None:
        assert said and "supporting evidence" not in reason.detail, reason.detail
    else:
        assert not said and f"{lower}: supporting evidence for {higher}" in reason.detail, reason.detail
        assert higher in {r.rule for r in a.reasons} and reason.level is not a.disposition


@pytest.mark.parametrize(
    ("readings", "patient", "lower", "kept", "zh_kept"),
    [
        ([ob("heart_rate", 131)], {"age": 50}, "news2_low_elevated", "heart_rate 131 /min", "131"),
        # an incomplete score still asks for the missing observations, in both languages
        ([ob("consciousness", "V")], {"age": 50}, "news2_low_elevated", "measure the missing", "立即补测"),
        (_vitals(26, 93, 100, "V", 38.5), {"age": 50}, "news2_red_parameter", "consciousness V", "26"),
        # NEWS2 5: the urgent response beside a patient not alert
        (
            _vitals(22, 97, 72, "V", 36.8),
            {"age": 50},
            "news2_urgent",
            "scoring: resp_rate 22 /min",
            "（2 分）",
        ),
        (
            [ob("glucose_random", 25), ob("urine_ketones", "2+")],
            {"diabetes": True},
            "glucose_diabetes_range",
            "25 mmol/L",
            "25 mmol/L",
        ),
        (
            [ob("glucose_fasting", 2.9), ob("glucose_random", 3.5)],
            {},
            "hypoglycaemia_level1",
            "3.5 mmol/L",
            "3.5 mmol/L",
        ),
    ],
)
def test_the_pages_say_which_action_applies_in_english_and_chinese(
    readings: list[Observation], patient: dict[str, object], lower: str, kept: str, zh_kept: str
) -> None:
    payload = json.loads(_assess(readings, **patient).model_dump_json())
    (reason,) = [r for r in payload["reasons"] if r["rule"] == lower]
    higher = reason["values"]["deferred_to"]
    assert kept in reason["detail"], reason["detail"]
    en = EngineText("en", payload)
    shown = en.rule_detail(reason)  # strict: the catalogue's template, never the record
    assert "supporting evidence for" in shown and en.entry(f"rule.{higher}") in shown, shown
    # the lower rule is named by its description, which may say its action: not elsewhere
    found = shown.replace(en.entry(f"rule.{lower}"), "")
    assert not any(said in found for said in OWN_ACTION[lower]), shown
    zh = EngineText("zh", payload)
    shown = zh.rule_detail(reason)
    assert "佐证" in shown and zh.entry(f"rule.{higher}") in shown and zh_kept in shown, shown
    found = shown.replace(zh.entry(f"rule.{lower}"), "")
    assert not any(said in found for said in ("每 4-6 小时", "重复检测", "15 分钟", "紧急评估")), shown
    assert not english_left(zh.detail(reason)), shown
