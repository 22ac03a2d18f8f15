"""``Assessment.of`` (how ``assess()`` assembles its result without validating it again) builds
exactly what validation of the same fields builds: same JSON, same Python types field by field,
equal records - for random patients, the bundled examples with every risk model, and ignored
readings of every kind."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage.conftest import NOW, ob, unusable_readings
from tests.triage.test_safety_properties import patients, to_obs, vital_sets
from triage.assess import assess
from triage.assess_request import parse_request
from triage.assessment import Assessment
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.riskmodels import ModelSet, load_models

POLICY = load_policy()
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))
MODELS: list[ModelSet] = []


def _models() -> ModelSet:
    if not MODELS:
        MODELS.append(load_models())
    return MODELS[0]


def _types(value: object) -> object:
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return (type(value).__name__, [_types(v) for v in value])
    if hasattr(value, "__pydantic_fields_set__"):
        return (type(value).__name__, _types(dict(value.__dict__)))
    return type(value).__name__


def _fields(a: Assessment) -> dict[str, Any]:
    return {name: getattr(a, name) for name in Assessment.model_fields if name != "schema_version"}


def assert_same_as_validated(a: Assessment) -> None:
    validated = Assessment.model_validate({"schema_version": a.schema_version, **_fields(a)})
    assert a.model_dump_json() == validated.model_dump_json()
    assert _types(dict(a.__dict__)) == _types(dict(validated.__dict__))
    assert list(a.__dict__) == list(validated.__dict__)
    assert a.model_fields_set == validated.model_fields_set
    assert a == validated


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients, values=vital_sets(), with_models=st.booleans())
def test_random_assessments_equal_their_validated_form(
    patient: PatientContext, values: dict[str, float | str], with_models: bool
) -> None:
    a = assess(patient, to_obs(values), POLICY, _models() if with_models else None, now=NOW)
    assert_same_as_validated(a)


def test_example_assessments_with_models_equal_their_validated_form() -> None:
    assert EXAMPLES, "examples/*.json are bundled"
    for path in EXAMPLES:
        request = parse_request(json.loads(path.read_text(encoding="utf-8")), where=str(path))
        a = assess(request.patient, request.observations, POLICY, _models(), now=request.assessed_at)
        assert_same_as_validated(a)


def test_ignored_readings_and_no_usable_input_equal_their_validated_form() -> None:
    readings = unusable_readings()
    a = assess(PatientContext(patient_id="t-1", age=50), readings, POLICY, _models(), now=NOW)
    assert a.disposition == "insufficient_data" and len(a.ignored_observations) == 5
    assert_same_as_validated(a)


class _Clock(datetime):
    """A datetime subclass (as some callers' clocks return): not the exact type, so validated."""


def test_values_not_of_the_exact_type_take_the_validated_route() -> None:
    now = _Clock(2026, 11, 25, 8, 0, tzinfo=NOW.tzinfo)
    a = assess(PatientContext(age=50), [ob("sbp", 150)], POLICY, now=now)
    fields = _fields(a)
    assert Assessment.of(**{**fields, "recheck_minutes": True}).recheck_minutes.__class__ is int
    assert_same_as_validated(a)


def test_ignored_observations_built_by_the_engine_equal_the_validated_ones() -> None:
    from triage.assessment import IgnoredObservation, ignored_observation

    for when in (NOW, _Clock(2026, 11, 25, 8, 0, tzinfo=NOW.tzinfo)):
        for reason in ("qc", "stale", "superseded"):
            mine = ignored_observation("sbp", "150 mm[Hg]", when, reason, "older than 24 h")  # type: ignore[arg-type]
            theirs = IgnoredObservation(
                code="sbp", value="150 mm[Hg]", observed_at=when, reason=reason, detail="older than 24 h"
            )
            assert mine == theirs and mine.model_dump_json() == theirs.model_dump_json()
            assert _types(dict(mine.__dict__)) == _types(dict(theirs.__dict__))
            assert mine.model_fields_set == theirs.model_fields_set
