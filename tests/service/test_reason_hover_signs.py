"""What hovering over a reason or a score shows on the staff pages writes its comparators as the
visible text does - ≥ and ≤, never the engine's ASCII ``>=``, ``<=`` (nor a recorded bound run into
its key, "glucose_random=>33.3") - in English and in Chinese, for every rule in the engine's own
list and every score beside it; the engine's JSON, which integrators parse, keeps its ``>=``."""

from __future__ import annotations

import re

import pytest

from tests.service.test_engine_text import FIRING
from tests.service.test_rule_reasons_page import _firing
from triage.rules import RULES
from triage.service.pages.engine_text import EngineText

ASCII_OPERATOR = re.compile(r">=|<=|=>|=<|!=|==|->|<-")


def _hovers(language: str, payload: dict[str, object], rule: str) -> list[tuple[str, str]]:
    """(what, its hover) for each reason of ``rule`` and each score of the assessment."""
    text = EngineText(language, payload)
    reasons = [r for r in payload["reasons"] if r["rule"] == rule]  # type: ignore[attr-defined]
    scores = payload.get("scores") or {}  # type: ignore[attr-defined]
    hovers = [(f"reason {rule}", text.hover("reason", r, text.detail(r))) for r in reasons]
    hovers += [
        (f"score {name}", text.hover("score", score, text.score_detail(name, score)))
        for name, score in scores.items()
        if isinstance(score, dict)
    ]
    return [(what, hover) for what, hover in hovers if hover]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_every_rules_hover_writes_its_comparators_as_signs(rule: str, language: str) -> None:
    for payload in _firing(rule):
        for what, hover in _hovers(language, payload, rule):
            assert not ASCII_OPERATOR.search(hover), f"{what} ({language}): {hover}"


def test_the_signs_are_the_pages_the_engines_json_keeps_its_own() -> None:
    (payload,) = [p for fired, p in FIRING if fired == "hypertensive_emergency"]
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "hypertensive_emergency"]
    assert "(>=180 and/or >=110)" in reason["detail"], "integrators parse the record as it was"
    en = EngineText("en", payload)
    assert "(≥180 and/or ≥110)" in str(en.hover("reason", reason, en.detail(reason)))
    # a meter's "HI": the glucose recorded as a bound, ">33.3 mmol/L (reported >600 mg/dL)"
    (hhs,) = [
        (p, r)
        for fired, p in FIRING
        for r in p["reasons"]
        if fired == r["rule"] == "glucose_hhs_range" and str(r["values"]["glucose_random"]).startswith(">")
    ]
    zh = EngineText("zh", hhs[0])
    assert "glucose_random >33.3 mmol/L" in str(zh.hover("reason", hhs[1], zh.detail(hhs[1])))
