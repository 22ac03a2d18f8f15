"""The shipped examples (`make run` / `triage assess examples/*.json`, README.md, docs/assessment.md
"Examples") show every kind of decision the engine makes, as a user runs them: the real entry point,
the shipped models, the built-in policy. When the built-in cvd10/stroke10 threshold went to 30 %
(5a60f92) and ckd/diabetes to local care (745bdbb/eefe0bc), no example had a model reason that
routes any more, and nothing noticed; examples/model-referral.json is that patient. A policy or rule
change that moves an example's disposition fails here, so its description is re-read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.triage.assess_cli import EXAMPLES, run
from triage.assessment import LEVEL_RANK, Disposition

# file -> (disposition, what routes it: "rule", "model" or None for no routing level)
EXPECTED: dict[str, tuple[Disposition, str | None]] = {
    "local-care.json": (Disposition.local_care, None),
    "routine-referral.json": (Disposition.routine_referral, "rule"),
    "model-referral.json": (Disposition.routine_referral, "model"),
    "secondary-prevention.json": (Disposition.local_care, None),
    "urgent-referral.json": (Disposition.urgent_referral, "rule"),
    "censored-corrected.json": (Disposition.urgent_referral, "rule"),
    "emergency-transfer.json": (Disposition.emergency_transfer, "rule"),
    "pregnancy-headache.json": (Disposition.emergency_transfer, "rule"),
    "insufficient-data.json": (Disposition.insufficient_data, None),
    "child-vitals.json": (Disposition.insufficient_data, None),
}


def _assess(capsys: pytest.CaptureFixture[str], name: str) -> dict[str, Any]:
    code, out, err = run(capsys, "assess", str(EXAMPLES / name))
    assert (code, err) == (0, ""), (name, err)  # the shipped models loaded
    return dict(json.loads(out))


def _routed_by(assessment: dict[str, Any]) -> str | None:
    """Which source's reasons set the disposition: "model" when a model's level is above every rule's."""
    disposition = Disposition(assessment["disposition"])
    if disposition not in LEVEL_RANK or disposition is Disposition.local_care:
        return None
    rule = assessment["rule_level"]
    if rule is not None and Disposition(rule) is disposition:
        return "rule"
    assert assessment["model_level"] == disposition, assessment
    return "model"


def test_the_table_lists_every_example() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_keeps_its_disposition(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assessment = _assess(capsys, name)
    disposition, routed_by = EXPECTED[name]
    assert (assessment["disposition"], _routed_by(assessment)) == (disposition, routed_by), [
        (r["rule"], r["level"], r["source"]) for r in assessment["reasons"]
    ]


def test_a_model_routes_one_example_under_the_built_in_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """A model's reason, not a rule's, decides some example's disposition - and it is labelled."""
    routed = {}
    for name in sorted(EXPECTED):
        assessment = _assess(capsys, name)
        if _routed_by(assessment) == "model":
            routed[name] = assessment
    assert routed, "no example in examples/ is routed by a risk model under the built-in policy"
    for name, assessment in routed.items():
        data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
        assert data["synthetic"] is True and "FICTIONAL" in data["note"], name
        level = assessment["disposition"]
        rule = assessment["rule_level"]
        assert rule is None or LEVEL_RANK[Disposition(rule)] < LEVEL_RANK[Disposition(level)], name
        routing = [r for r in assessment["reasons"] if r["source"] == "model" and r["level"] == level]
        assert routing and all(r["values"]["probability"] >= r["values"]["threshold"] for r in routing), name


def test_the_examples_show_every_disposition() -> None:
    assert {disposition for disposition, _ in EXPECTED.values()} == set(Disposition)
    assert {routed_by for _, routed_by in EXPECTED.values()} == {"rule", "model", None}


def test_the_pregnancy_example_counts_the_headache_at_its_weeks(capsys: pytest.CaptureFixture[str]) -> None:
    """The example of the patient fields gestation_weeks and acute_symptoms(_at): at 26 weeks a
    headache is a sign of severe pre-eclampsia, recorded after the pressure it answers for."""
    assessment = _assess(capsys, "pregnancy-headache.json")
    reasons = {r["rule"]: r for r in assessment["reasons"]}
    assert "with headache in pregnancy at 26 weeks" in reasons["hypertensive_emergency"]["detail"]
    assert reasons["pregnancy_severe_hypertension"]["values"]["gestation_weeks"] == 26
    assert "acute_symptoms" not in assessment["missing_inputs"] and not assessment["notes"]
