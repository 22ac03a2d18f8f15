"""``ScoreResult.of`` (the scores' unvalidated constructor) builds exactly what validation builds.

Every score of random patients and readings, and of the bundled examples, is compared with the
same data run through the validator: same JSON, same Python types field by field.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage.conftest import NOW
from tests.triage.test_safety_properties import patients, to_obs, vital_sets
from triage.assess import assess
from triage.assess_request import parse_request
from triage.policy import load_policy
from triage.scores.result import ScoreResult

POLICY = load_policy()
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def _types(value: object) -> object:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return (type(value).__name__, [_types(v) for v in value])
    return type(value).__name__


def assert_same_as_validated(result: ScoreResult) -> None:
    validated = ScoreResult.model_validate(result.model_dump())
    assert result.model_dump_json() == validated.model_dump_json()
    assert _types(dict(result.__dict__)) == _types(dict(validated.__dict__)), result.name
    assert result == validated


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients, values=vital_sets(), now=st.just(NOW))
def test_random_patients_scores_equal_their_validated_form(patient, values, now) -> None:  # type: ignore[no-untyped-def]
    for result in assess(patient, to_obs(values), POLICY, now=now).scores.values():
        assert_same_as_validated(result)


def test_example_patients_scores_equal_their_validated_form() -> None:
    assert EXAMPLES, "examples/*.json are bundled"
    for path in EXAMPLES:
        request = parse_request(json.loads(path.read_text(encoding="utf-8")), where=str(path))
        assessment = assess(request.patient, request.observations, POLICY, now=request.assessed_at)
        for result in assessment.scores.values():
            assert_same_as_validated(result)


def test_reasons_and_model_results_equal_their_validated_form() -> None:
    """The whole assessment (reasons from rules and models, model results) survives validation
    unchanged, for every example patient with all risk models loaded."""
    from triage.assessment import Assessment
    from triage.policy import policy_from_mapping
    from triage.riskmodels import load_models

    models = load_models()
    # the built-in cvd10/stroke10 threshold is 30 %: at the cards' 10 % the examples' models refer
    cards = policy_from_mapping({"models": {"cvd10": {"threshold": 0.10}, "stroke10": {"threshold": 0.10}}})
    fired = set()
    for path, policy in [(path, policy) for path in EXAMPLES for policy in (POLICY, cards)]:
        request = parse_request(json.loads(path.read_text(encoding="utf-8")), where=str(path))
        assessment = assess(request.patient, request.observations, policy, models, now=request.assessed_at)
        validated = Assessment.model_validate(assessment.model_dump())
        assert assessment.model_dump_json() == validated.model_dump_json(), path.name
        for mine, theirs in zip(
            [*assessment.reasons, *assessment.models], [*validated.reasons, *validated.models], strict=True
        ):
            assert _types(dict(mine.__dict__)) == _types(dict(theirs.__dict__)), path.name
            assert mine == theirs
        fired.update(r.source for r in assessment.reasons)
        fired.update("scored" for m in assessment.models if m.probability is not None)
    assert fired >= {"rule", "model", "scored"}, "the examples exercise rule and model reasons"
