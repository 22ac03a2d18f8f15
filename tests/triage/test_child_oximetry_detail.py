"""The oximetry score's own text says a child's SpO2 on the bands the SpO2 rules read it on.

Since 6d88e5db a child's spo2_critical / spo2_low reason says "SpO2 91 % in a child (under 16:
NEWS2's SpO2 scales are for adults): below 92 %: ...", but the oximetry score beside it in the
page's scores table still said "SpO2 91 % on scale 1: critical" - two framings of one reading on one
page. Under 16 on scale 1 the score's detail now says the child's band (below 92 %, 92-93 %, 94-95 %,
96 % or more: ``test_child_spo2_borderline.py``); the band and its cut-points are NEWS2 scale 1's as
before, and from 16, with the age unknown or on a clinician-set scale 2 the detail is word for word
what it was (the score is published for adults)."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import Policy
from triage.rules.vital_signs import VITAL_SIGNS
from triage.scores.result import ScoreResult
from triage.service.pages.engine_text import EngineText

CHILD = "in a child (under 16: NEWS2's SpO2 scales are for adults)"
# each band edge of scale 1 (<92, 92-93, 94-95, >=96) and between printed values
EDGES = [
    (91, "critical", "below 92 %"),
    (91.5, "critical", "below 92 %"),
    (92, "low", "92-93 %"),
    (93, "low", "92-93 %"),
    (94, "borderline", "94-95 %"),
    (95, "borderline", "94-95 %"),
    (95.9, "borderline", "94-95 %"),
    (96, "normal", "96 % or more"),
    (100, "normal", "96 % or more"),
]


def _oximetry(policy: Policy, spo2: float | str, age: float | None, **patient: object) -> ScoreResult:
    oxygen = "oxygen" if patient.get("spo2_scale2") else "air"
    readings = [ob("spo2", spo2), ob("supplemental_o2", oxygen)]
    return assess(PatientContext(age=age, **patient), readings, policy, now=NOW).scores["oximetry"]


@pytest.mark.parametrize("age", [0.5, 4, 15, 15.9])
@pytest.mark.parametrize(("spo2", "band", "said"), EDGES)
def test_a_childs_spo2_is_said_on_the_childs_bands_not_scale_1(
    policy: Policy, age: float, spo2: float, band: str, said: str
) -> None:
    s = _oximetry(policy, spo2, age)
    assert s.detail == f"SpO2 {spo2:g} % {CHILD}: {said}", s.detail
    assert s.band == band, "the band and its cut-points are scale 1's as before"
    assert s.flags == (("spo2_critical",) if band == "critical" else ())


@pytest.mark.parametrize("age", [16, 40, None])
@pytest.mark.parametrize(("spo2", "band", "_"), EDGES)
def test_from_16_or_an_unknown_age_the_detail_is_the_published_adult_one(
    policy: Policy, age: float | None, spo2: float, band: str, _: str
) -> None:
    s = _oximetry(policy, spo2, age)
    assert s.detail == f"SpO2 {spo2:g} % on scale 1: {band}"
    assert s.band == band


@pytest.mark.parametrize("age", [4, 15])
def test_a_child_on_a_clinician_set_scale_2_keeps_scale_2(policy: Policy, age: int) -> None:
    s = _oximetry(policy, 98, age, spo2_scale2=True)
    assert s.detail == "SpO2 98 % on scale 2: critical high" and s.band == "critical_high"


def test_a_censored_childs_reading_keeps_its_comparator(policy: Policy) -> None:
    assert _oximetry(policy, "<70", 4).detail == f"SpO2 <70 % {CHILD}: below 92 %"
    assert _oximetry(policy, "<70", 40).detail == "SpO2 <70 % on scale 1: critical"


@pytest.mark.parametrize(("age", "child"), [(4, True), (15, True), (16, False), (None, False)])
def test_the_assessments_score_and_reason_say_the_reading_the_same_way(
    policy: Policy, age: int | None, child: bool
) -> None:
    for spo2 in (91, 93):
        a = assess(PatientContext(age=age), [ob("spo2", spo2), ob("supplemental_o2", "air")], policy, now=NOW)
        score = a.scores["oximetry"].detail
        (reason,) = [r.detail for r in a.reasons if r.rule.startswith("spo2_")]
        assert reason.startswith(score + ": "), (score, reason)
        assert (CHILD in score) is child and ("on scale 1" in score) is not child


def test_the_rule_descriptions_say_a_child_is_read_on_nice_ng9s_bands() -> None:
    described = {rule.name: rule.description for rule in VITAL_SIGNS if rule.name.startswith("spo2_")}
    assert described == {
        "spo2_critical": "SpO2 critical (scale 1 <=91 %; a child under 16 (NICE NG9 2021): below 92 %;"
        " scale 2 <=83 % or >=97 % on oxygen)",
        "spo2_low": "SpO2 low (scale 1 92-93 %; a child under 16 (NICE NG9 2021): 92-93 %; scale 2"
        " 84-87 %): same-day review",
        "spo2_borderline_child": "SpO2 94-95 % in a child under 16 (NICE NG143: amber): a clinician"
        " assesses the child now; safety-net or refer",
    }


@pytest.mark.parametrize("age", [0.5, 4, 15, 15.9])
@pytest.mark.parametrize("spo2", [91, 93, 95, 96])
def test_a_childs_score_record_names_no_news2_scale_and_the_childs_sources(
    policy: Policy, age: float, spo2: int
) -> None:
    """The score's components said ``scale: 1`` and its reference "BTS guideline for oxygen use in
    adults 2017; RCP NEWS2 2017 Chart 1" for a child (the JSON, and the Chinese page's hover that
    lists them): no NEWS2 scale is used under 16, so ``scale`` is null, ``child`` true, and the
    reference the child's bands' sources; the reason's values carry no scale either."""
    readings = [ob("spo2", spo2), ob("supplemental_o2", "air")]
    payload = _payload(PatientContext(age=age), readings, policy)
    score = payload["scores"]["oximetry"]
    assert score["components"] == {"scale": None, "on_oxygen": False, "child": True}
    assert score["reference"].startswith("NICE NG9 2021") and "adults" not in score["reference"]
    hover = EngineText("zh", payload).hover("score", score, "")
    assert hover is not None and "scale=" not in hover and "NICE NG143" in hover, hover
    for reason in payload["reasons"]:
        if reason["rule"].startswith("spo2_"):
            assert "scale" not in reason["values"] and reason["values"]["child"] is True


@pytest.mark.parametrize("age", [16, 40, None])
def test_from_16_the_score_record_keeps_scale_1_and_the_adult_sources(
    policy: Policy, age: float | None
) -> None:
    payload = _payload(PatientContext(age=age), [ob("spo2", 93), ob("supplemental_o2", "air")], policy)
    score = payload["scores"]["oximetry"]
    assert score["components"] == {"scale": 1, "on_oxygen": False}
    assert score["reference"] == "BTS guideline for oxygen use in adults 2017; RCP NEWS2 2017 Chart 1"
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "spo2_low"]
    assert reason["values"] == {"spo2": 93.0, "scale": 1, "band": "low"}
