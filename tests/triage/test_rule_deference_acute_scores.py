"""qSOFA >=2 ("if infection is suspected: assess for sepsis and refer urgently") and CRB-65 3-4
("urgent admission if pneumonia") beside an emergency from the same observations - NEWS2 7 or more,
or a patient not alert - said their urgent referral next to the emergency transfer. They stay in
the Assessment as supporting evidence naming the rule whose action applies (``values.deferred_to``;
``triage.rule_precedence``), with the score and the items that scored, in en and zh."""

from __future__ import annotations

import itertools
import json

import pytest

from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from tests.triage.test_rule_deference import check_one_action
from triage.assess import assess
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.pages.engine_text import EngineText

POLICY = load_policy()
# the scores beside the emergencies from the same observations; NEWS2's own rules beside each other:
# test_rule_deference_news2_glycaemia.py. A NEWS2 of 1-4 beside qSOFA 2 keeps its local monitoring:
# qSOFA's referral is for a suspected infection only
ACUTE = {"qsofa_high", "crb65_high", "news2_emergency", "altered_consciousness"}
SAID = {"qsofa_high": ("refer urgently",), "crb65_high": ("urgent admission",)}


def _readings(rr: float, sbp: float, acvpu: str, spo2: float, temperature: float) -> list[Observation]:
    return [
        ob("resp_rate", rr),
        ob("sbp", sbp),
        ob("dbp", 60),
        ob("consciousness", acvpu),
        ob("spo2", spo2),
        ob("temperature", temperature),
        ob("heart_rate", 80),
        ob("supplemental_o2", "air"),
    ]


def _assess(readings: list[Observation]) -> Assessment:
    return assess(PatientContext(age=70), readings, POLICY, now=NOW)


def test_every_lower_acute_illness_reason_defers_to_the_action_that_applies() -> None:
    checked: set[tuple[str, str]] = set()
    for rr, sbp, acvpu, spo2, temperature in itertools.product(
        (16, 22, 30), (85, 100, 120), ("A", "C"), (97, 93), (36.8, 39.5)
    ):
        a = _assess(_readings(rr, sbp, acvpu, spo2, temperature))
        check_one_action([r for r in a.reasons if r.rule in ACUTE], checked, SAID, rr, sbp, acvpu, spo2)
    assert {
        ("qsofa_high", "news2_emergency"),
        ("qsofa_high", "altered_consciousness"),
        ("crb65_high", "news2_emergency"),
        ("crb65_high", "altered_consciousness"),
    } <= checked, checked


# qSOFA 2 (respiratory rate 22, systolic 100) on both sides of NEWS2 7: 2 + 2 + temperature 0 or 1
# + SpO2 93 % 2 = 6 or 7; and of alert
BOTH_SIDES = [
    (_readings(22, 100, "A", 93, 36.8), "qsofa_high", None),
    (_readings(22, 100, "A", 93, 38.5), "qsofa_high", "news2_emergency"),
    ([ob("resp_rate", 22), ob("sbp", 100), ob("consciousness", "A")], "qsofa_high", None),
    ([ob("resp_rate", 22), ob("sbp", 120), ob("consciousness", "C")], "qsofa_high", "altered_consciousness"),
]


@pytest.mark.parametrize(("readings", "lower", "higher"), BOTH_SIDES)
def test_the_score_defers_only_when_the_emergency_fires(
    readings: list[Observation], lower: str, higher: str | None
) -> None:
    a = _assess(readings)
    (reason,) = [r for r in a.reasons if r.rule == lower]
    assert reason.values.get("deferred_to") == higher, reason
    if higher is None:
        assert "refer urgently" in reason.detail and "supporting evidence" not in reason.detail
    else:
        assert "refer urgently" not in reason.detail and "scoring: resp_rate 22 /min" in reason.detail
        assert f"{lower}: supporting evidence for {higher}" in reason.detail, reason.detail


@pytest.mark.parametrize("acvpu", ["C", "V"])
def test_the_pages_say_which_action_applies_in_english_and_chinese(acvpu: str) -> None:
    payload = json.loads(_assess(_readings(30, 85, acvpu, 93, 39.5)).model_dump_json())
    for lower in ("qsofa_high", "crb65_high"):
        (reason,) = [r for r in payload["reasons"] if r["rule"] == lower]
        higher = reason["values"]["deferred_to"]
        for language, evidence, own in (("en", "supporting evidence for", "urgent"), ("zh", "佐证", "紧急")):
            text = EngineText(language, payload)
            shown = text.rule_detail(reason)  # strict: the catalogue's template, never the record
            assert evidence in shown and text.entry(f"rule.{higher}") in shown, shown
            # the lower rule is named by its description, which may say its action: not elsewhere
            rest = shown.replace(text.entry(f"rule.{lower}"), "").replace(text.entry(f"rule.{higher}"), "")
            assert own not in rest, shown
        assert not english_left(EngineText("zh", payload).detail(reason))
