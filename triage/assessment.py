"""The Assessment: what ``assess()`` returns and ``triage assess`` prints as JSON.

The JSON Schema generated from :class:`Assessment` is committed as ``docs/assessment.schema.json``
(a test fails when it is out of date) and described field by field in ``docs/assessment.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import core_schema

from referral.value_sets import RISK_MODELS_LABEL
from triage.observation import Observation
from triage.scores.result import ScoreResult
from triage.trusted import trusted, trusted_builder

SCHEMA_VERSION = 1


class Disposition(StrEnum):
    """Where the patient goes next, from most to least urgent."""

    emergency_transfer = "emergency_transfer"
    urgent_referral = "urgent_referral"
    routine_referral = "routine_referral"
    local_care = "local_care"
    insufficient_data = "insufficient_data"


class Tier(StrEnum):
    primary = "primary"
    high_tier = "high_tier"


# Urgency order of the levels rules and models can set (insufficient_data is an outcome, not a level).
LEVEL_RANK: dict[Disposition, int] = {
    Disposition.local_care: 0,
    Disposition.routine_referral: 1,
    Disposition.urgent_referral: 2,
    Disposition.emergency_transfer: 3,
}

# Urgency order of every final disposition (used by the property tests and consumers that sort).
# insufficient_data ranks above local_care: "measure again now" is never a reason to relax.
URGENCY: dict[Disposition, int] = {
    Disposition.local_care: 0,
    Disposition.insufficient_data: 1,
    Disposition.routine_referral: 2,
    Disposition.urgent_referral: 3,
    Disposition.emergency_transfer: 4,
}

ValueType = float | int | str | bool | None


class Reason(BaseModel):
    """One rule or model that contributed to the disposition."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(description="Rule name (see docs/assessment.md) or 'model:<name>'")
    level: Disposition = Field(description="The disposition this reason asks for")
    source: Literal["rule", "model"] = "rule"
    red_flag: bool = Field(False, description="A red-flag rule: no model and no policy can lower it")
    values: dict[str, ValueType] = Field(default_factory=dict, description="The inputs that fired it")
    detail: str = ""
    reference: str = ""

    @classmethod
    def of(
        cls,
        *,
        rule: str,
        level: Disposition,
        source: Literal["rule", "model"] = "rule",
        red_flag: bool = False,
        values: Mapping[str, ValueType] | None = None,
        detail: str = "",
        reference: str = "",
    ) -> Reason:
        """The engine's constructor: typed arguments, no validator run (see ``trusted``)."""
        if cls is Reason:
            return reason(rule, level, source, red_flag, values, detail, reference)
        return trusted(cls, reason(rule, level, source, red_flag, values, detail, reference).__dict__)


class ModelResult(BaseModel):
    """One risk model's output, as used for the decision."""

    model_config = ConfigDict(frozen=True)

    model: str
    version: str
    probability: float | None = Field(
        description="Predicted probability; null when the model could not score. From a model trained on "
        f"{RISK_MODELS_LABEL} (a scored model's explanation ends with this label): show it with the label"
    )
    threshold: float = Field(description="Threshold in force (policy override, else the model card)")
    above_threshold: bool
    level: Disposition | None = Field(description="Level asked for when above threshold, else null")
    band: str | None = None
    missing: tuple[str, ...] = ()
    imputed: dict[str, float] = Field(default_factory=dict)
    explanation: str = ""
    out_of_range: tuple[str, ...] = Field((), description="Inputs outside the model's training range")

    @classmethod
    def of(
        cls,
        *,
        model: str,
        version: str,
        probability: float | None,
        threshold: float,
        above_threshold: bool,
        level: Disposition | None,
        band: str | None = None,
        missing: Iterable[str] = (),
        imputed: Mapping[str, float] | None = None,
        explanation: str = "",
        out_of_range: Iterable[str] = (),
    ) -> ModelResult:
        """The engine's constructor: typed arguments, no validator run (see ``trusted``)."""
        made = model_result(
            model,
            version,
            probability,
            threshold,
            above_threshold,
            level,
            band,
            missing,
            imputed,
            explanation,
            out_of_range,
        )
        return made if cls is ModelResult else trusted(cls, made.__dict__)


IgnoredReason = Literal[
    "qc", "not_final", "cannot_be_done", "superseded", "stale", "in_future", "implausible_pair"
]


class IgnoredObservation(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    value: str = Field(description="The value as read, e.g. '>33.3 mmol/L'")
    observed_at: datetime
    reason: IgnoredReason
    detail: str = ""


_build_ignored = trusted_builder(IgnoredObservation)
_IGNORED_REASONS = frozenset(get_args(IgnoredReason))


def ignored_observation(
    code: str, value: str, observed_at: datetime, reason: IgnoredReason, detail: str
) -> IgnoredObservation:
    """``IgnoredObservation(...)`` for the engine: arguments of exactly the declared types are what
    validation would return unchanged, so the record is built without it (``assess()`` makes one
    per ignored reading); anything else is validated."""
    if (
        code.__class__ is str
        and value.__class__ is str
        and observed_at.__class__ is datetime
        and reason in _IGNORED_REASONS
        and detail.__class__ is str
    ):
        return _build_ignored(
            {"code": code, "value": value, "observed_at": observed_at, "reason": reason, "detail": detail}
        )
    return IgnoredObservation(code=code, value=value, observed_at=observed_at, reason=reason, detail=detail)


class Assessment(BaseModel):
    """The routing decision with everything needed to audit it."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    engine_version: str
    policy_version: str
    assessed_at: datetime
    patient_id: str | None = None
    disposition: Disposition
    target_tier: Tier
    recheck_minutes: int = Field(description="Re-assess within this many minutes (0 = now)")
    rule_level: Disposition | None = Field(description="Highest level any rule asked for (null: none fired)")
    model_level: Disposition | None = Field(description="Highest level any model asked for (null: none)")
    red_flags: list[str] = Field(default_factory=list, description="Red-flag rules that fired")
    reasons: list[Reason] = Field(default_factory=list, description="Most urgent first")
    scores: dict[str, ScoreResult] = Field(default_factory=dict)
    models: list[ModelResult] = Field(default_factory=list)
    model_versions: dict[str, str] = Field(default_factory=dict)
    missing_inputs: list[str] = Field(default_factory=list, description="Inputs some score needed but lacked")
    observations_used: list[Observation] = Field(
        default_factory=list, description="The latest usable reading per code, in canonical units"
    )
    ignored_observations: list[IgnoredObservation] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def of(
        cls,
        *,
        engine_version: str,
        policy_version: str,
        assessed_at: datetime,
        patient_id: str | None,
        disposition: Disposition,
        target_tier: Tier,
        recheck_minutes: int,
        rule_level: Disposition | None,
        model_level: Disposition | None,
        red_flags: list[str],
        reasons: list[Reason],
        scores: dict[str, ScoreResult],
        models: list[ModelResult],
        model_versions: dict[str, str],
        missing_inputs: list[str],
        observations_used: list[Observation],
        ignored_observations: list[IgnoredObservation],
        notes: list[str],
    ) -> Assessment:
        """``assess()``'s constructor: every part was built by the engine's own typed constructors
        (or validated on the way in), so the record is assembled without walking it again; the
        lists and dicts become the record's own (the caller passes new ones). Anything that is not
        exactly the declared type takes the validated route. ``tests/triage/test_assessment_of.py``
        compares with the validated twin."""
        fields: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "engine_version": engine_version,
            "policy_version": policy_version,
            "assessed_at": assessed_at,
            "patient_id": patient_id,
            "disposition": disposition,
            "target_tier": target_tier,
            "recheck_minutes": recheck_minutes,
            "rule_level": rule_level,
            "model_level": model_level,
            "red_flags": red_flags,
            "reasons": reasons,
            "scores": scores,
            "models": models,
            "model_versions": model_versions,
            "missing_inputs": missing_inputs,
            "observations_used": observations_used,
            "ignored_observations": ignored_observations,
            "notes": notes,
        }
        if (
            assessed_at.__class__ is datetime
            and recheck_minutes.__class__ is int
            and disposition.__class__ is Disposition
            and target_tier.__class__ is Tier
            and (rule_level is None or rule_level.__class__ is Disposition)
            and (model_level is None or model_level.__class__ is Disposition)
        ):
            return _build_assessment(fields) if cls is Assessment else trusted(cls, fields)
        return cls.model_validate(fields)


_build_reason = trusted_builder(Reason)


def reason(
    rule: str,
    level: Disposition,
    source: Literal["rule", "model"],
    red_flag: bool,
    values: Mapping[str, ValueType] | None,
    detail: str,
    reference: str,
) -> Reason:
    """:meth:`Reason.of` with every argument given by position (``assess()``'s hot path: a call
    with seven keywords costs more than building the record)."""
    return _build_reason(
        {
            "rule": rule,
            "level": level if level.__class__ is Disposition else Disposition(level),
            "source": source,
            "red_flag": red_flag,
            "values": {} if values is None else dict(values),
            "detail": detail,
            "reference": reference,
        }
    )


_build_model_result = trusted_builder(ModelResult)


def model_result(
    model: str,
    version: str,
    probability: float | None,
    threshold: float,
    above_threshold: bool,
    level: Disposition | None,
    band: str | None,
    missing: Iterable[str],
    imputed: Mapping[str, float] | None,
    explanation: str,
    out_of_range: Iterable[str],
) -> ModelResult:
    """:meth:`ModelResult.of` with every argument given by position (``assess()``'s hot path)."""
    return _build_model_result(
        {
            "model": model,
            "version": version,
            "probability": None if probability is None else float(probability),
            "threshold": float(threshold),
            "above_threshold": above_threshold,
            "level": level if level is None or level.__class__ is Disposition else Disposition(level),
            "band": band,
            "missing": tuple(missing),
            "imputed": {k: float(v) for k, v in imputed.items()} if imputed else {},
            "explanation": explanation,
            "out_of_range": tuple(out_of_range),
        }
    )


_build_assessment = trusted_builder(Assessment)


class _OutputSchema(GenerateJsonSchema):
    """Every field with a default is still always written (``reasons: []``, ``notes: []``): in the
    schema of the output it is required, so integrators' generated types need no "may be absent"."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        return field.get("serialization_exclude_if") is None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Assessment` (what ``docs/assessment.schema.json`` holds)."""
    schema = Assessment.model_json_schema(mode="serialization", schema_generator=_OutputSchema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://clinic-triage.example/schemas/assessment-v1.json"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":  # regenerate: python -m triage.assessment > docs/assessment.schema.json
    print(json_schema_text(), end="")
