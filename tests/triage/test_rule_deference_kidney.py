"""One kidney, one referral: an eGFR below 30 (``egfr_below_30``, "refer urgently") beside an ACR of
30 mg/g or more (``albuminuria``), dipstick protein 3+ without an ACR (``proteinuria_3plus``) or
protein with hypertension (``proteinuria_with_hypertension``) also said "refer (non-emergency)" -
two referrals of different urgency for one organ; and protein with a pressure in the crisis or
emergency range said "refer (non-emergency)" beside the pressure's urgent or emergency action.
The lower reason stays as supporting evidence naming the rule whose action applies
(``values.deferred_to``; ``triage.rule_precedence``), in en and zh. The dipstick 1+ and 2+ rules
(local care: measure the ACR) keep their advice beside a referral: measuring the ACR feeds it."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from typing import Any

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
KIDNEY_REFERRALS = {
    "egfr_below_30",
    "egfr_30_59",
    "albuminuria",
    "proteinuria_with_hypertension",
    "proteinuria_3plus",
}
# protein with hypertension beside the pressure's urgent and emergency rules (the pressure's own
# grades beside them: tests/triage/test_rule_deference.py)
PROTEIN_AND_PRESSURE = {
    "proteinuria_with_hypertension",
    "hypertensive_emergency",
    "bp_adolescent_severe",
    "pregnancy_severe_hypertension",
    "hypertensive_crisis",
    "bp_hearts_urgent",
    "pregnancy_hypertension",
}
REFER = defaultdict(lambda: ("refer",))  # every lower kidney or pressure rule here refers


def _assess(readings: list[Observation], **patient: object) -> Assessment:
    return assess(PatientContext.model_validate({"age": 60, **patient}), readings, POLICY, now=NOW)


def test_every_lower_kidney_or_pressure_reason_defers_to_the_action_that_applies() -> None:
    checked: set[tuple[str, str]] = set()
    for egfr, acr, protein, hypertension, pressure in itertools.product(
        (None, 25, 45, 75), (None, 45, 400), (None, "1+", "3+"), (None, True), (None, (150, 95), (190, 125))
    ):
        readings = [
            ob(code, value) for code, value in (("egfr", egfr), ("albumin_creatinine_ratio", acr)) if value
        ]
        readings += [ob("urine_protein", protein)] if protein else []
        readings += [ob("sbp", pressure[0]), ob("dbp", pressure[1])] if pressure else []
        a = _assess(readings, hypertension=hypertension)
        context = (egfr, acr, protein, hypertension, pressure)
        # protein with hypertension deferring to the pressure's rule is checked with the pressure's,
        # deferring to the eGFR's with the kidney's
        kidney = [
            r
            for r in a.reasons
            if r.rule in KIDNEY_REFERRALS and r.values.get("deferred_to") not in PROTEIN_AND_PRESSURE
        ]
        check_one_action(kidney, checked, REFER, *context)
        pressures = [
            r
            for r in a.reasons
            if r.rule in PROTEIN_AND_PRESSURE and r.values.get("deferred_to") not in KIDNEY_REFERRALS
        ]
        check_one_action(pressures, checked, REFER, *context)
    assert {
        ("albuminuria", "egfr_below_30"),
        ("proteinuria_3plus", "egfr_below_30"),
        ("proteinuria_with_hypertension", "egfr_below_30"),
        ("proteinuria_with_hypertension", "hypertensive_crisis"),
    } <= checked, checked


# (readings, patient, lower rule, the rule it defers to or None): both sides of eGFR 30 (a
# laboratory's whole number) and of the crisis range
BOTH_SIDES = [
    ([ob("egfr", 30), ob("albumin_creatinine_ratio", 400)], {}, "albuminuria", None),
    ([ob("egfr", 29), ob("albumin_creatinine_ratio", 400)], {}, "albuminuria", "egfr_below_30"),
    ([ob("egfr", 30), ob("urine_protein", "3+")], {}, "proteinuria_3plus", None),
    ([ob("egfr", 29), ob("urine_protein", "3+")], {}, "proteinuria_3plus", "egfr_below_30"),
    (
        [ob("egfr", 30), ob("urine_protein", "1+")],
        {"hypertension": True},
        "proteinuria_with_hypertension",
        None,
    ),
    (
        [ob("egfr", 29), ob("urine_protein", "1+")],
        {"hypertension": True},
        "proteinuria_with_hypertension",
        "egfr_below_30",
    ),
    ([ob("sbp", 180), ob("dbp", 110), ob("urine_protein", "1+")], {}, "proteinuria_with_hypertension", None),
    (
        [ob("sbp", 181), ob("dbp", 110), ob("urine_protein", "1+")],
        {},
        "proteinuria_with_hypertension",
        "hypertensive_crisis",
    ),
]


@pytest.mark.parametrize(("readings", "patient", "lower", "higher"), BOTH_SIDES)
def test_the_lower_rule_defers_only_when_the_higher_one_fires(
    readings: list[Observation], patient: dict[str, object], lower: str, higher: str | None
) -> None:
    a = _assess(readings, **patient)
    (reason,) = [r for r in a.reasons if r.rule == lower]
    assert reason.values.get("deferred_to") == higher, reason
    if higher is None:
        assert "refer (non-emergency)" in reason.detail and "supporting evidence" not in reason.detail
    else:
        assert "refer" not in reason.detail and f"{lower}: supporting evidence for {higher}" in reason.detail
        assert reason.level is not a.disposition


@pytest.mark.parametrize(("readings", "patient", "lower", "higher"), [case for case in BOTH_SIDES if case[3]])
def test_the_pages_say_which_action_applies_in_english_and_chinese(
    readings: list[Observation], patient: dict[str, object], lower: str, higher: str
) -> None:
    pages_say_which_action_applies(json.loads(_assess(readings, **patient).model_dump_json()), lower, higher)


def pages_say_which_action_applies(payload: dict[str, Any], lower: str, higher: str) -> None:
    """The staff pages, en and zh, say ``lower``'s reason supports ``higher``, not its own action."""
    (reason,) = [r for r in payload["reasons"] if r["rule"] == lower]
    for language, evidence, own in (
        ("en", "supporting evidence for", "non-emergency"),
        ("zh", "佐证", "非紧急"),
    ):
        text = EngineText(language, payload)
        shown = text.rule_detail(reason)  # strict: the catalogue's template, never the record
        assert evidence in shown and text.entry(f"rule.{higher}") in shown, shown
        # the lower rule is named by its description, which may say its action: not elsewhere
        assert own not in shown.replace(text.entry(f"rule.{lower}"), ""), shown
    assert not english_left(EngineText("zh", payload).detail(reason))
