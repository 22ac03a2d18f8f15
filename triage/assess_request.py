"""The ``triage assess`` input document: patient, observations, optional policy and time.

```json
{
  "patient": {"patient_id": "demo-001", "age": 58, "sex": "male", ...},
  "observations": [
    {"code": "sbp", "value": 150, "unit": "mmHg", "observed_at": "2026-11-25T08:30:00+08:00",
     "status": "final", "device": "omron-hbp", "qc": false},
    {"code": "glucose_random", "value": ">33.3", "unit": "mmol/L", "observed_at": "..."}
  ],
  "policy": "clinic-policy.toml",
  "assessed_at": "2026-11-25T08:40:00+08:00"
}
```

Every field is optional: ``patient`` defaults to ``{}`` (nothing known), ``observations`` to ``[]``
- a document without readings (even ``{}``) is valid and its answer is ``insufficient_data``, the
engine's answer for no usable reading. ``policy`` (optional) is a path, relative to the input
file's folder. A diastolic pressure at or above the systolic given with it (within a minute,
``triage.bp_pair``) is refused, naming both. ``assessed_at`` (optional) fixes the assessment time, so a saved case gives the same
answer later; by default the clock is used. Every error names the field: ``observations[2].value: ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.assess import LATEST_YEAR
from triage.bp_pair import check_pairs
from triage.errors import (
    ImplausibleValueError,
    UnitError,
    UnknownCodeError,
    UserInputError,
    json_text,
    shown_input,
)
from triage.json_input import BOOLEAN_RULE, json_kind, time_problem
from triage.observation import Observation
from triage.patient import PatientContext, patient_from_mapping
from triage.units import require_unit_if_ambiguous
from triage.vocabulary import concept

OBSERVATION_KEYS = frozenset(
    {"code", "value", "unit", "observed_at", "status", "device", "qc", "comparator", "source_message_id"}
)
TOP_KEYS = frozenset({"patient", "observations", "policy", "assessed_at", "note", "synthetic"})


@dataclass(frozen=True)
class AssessRequest:
    patient: PatientContext
    observations: list[Observation]
    policy_path: Path | None
    assessed_at: datetime | None


def _field_for(exc: UserInputError) -> str:
    if isinstance(exc, UnknownCodeError):
        return "code"
    if isinstance(exc, UnitError):
        return "unit"
    if isinstance(exc, ImplausibleValueError):
        return "value"
    text = str(exc)
    for key in ("observed_at", "status", "comparator"):
        if key in text:
            return key
    return "value"


def parse_observation(item: Any, where: str) -> Observation:
    """One observation object; errors are prefixed with ``where.<field>``."""
    if not isinstance(item, dict):
        raise UserInputError(
            f"{where}: expected an object with code, value, unit, observed_at; got {json_text(item)}"
        )
    unknown = sorted(set(item) - OBSERVATION_KEYS)
    if unknown:
        raise UserInputError(
            f"{where}.{unknown[0]}: unknown field; allowed: {', '.join(sorted(OBSERVATION_KEYS))}"
        )
    for key in ("code", "observed_at"):
        if key not in item:
            raise UserInputError(f"{where}.{key}: required")
    if not isinstance(item["observed_at"], str):  # 1733380000: seconds or milliseconds? Not guessed
        when = item["observed_at"]
        raise UserInputError(f"{where}.observed_at: {time_problem(when)}{shown_input(when)}")
    if not isinstance(item["code"], str):
        raise UserInputError(f"{where}.code: must be a string, got {json_text(item['code'])}")
    for key in ("unit", "device", "source_message_id", "status", "comparator"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise UserInputError(f"{where}.{key}: must be a string, got {json_text(item[key])}")
    qc = item.get("qc", False)
    if not isinstance(qc, bool):
        raise UserInputError(f"{where}.qc: must be true or false, got {json_text(qc)}")
    comparator = item.get("comparator")
    if comparator is not None and comparator not in ("<", ">", "<=", ">="):
        raise UserInputError(f"{where}.comparator: must be one of <, >, <=, >=; got {json_text(comparator)}")
    try:
        observation = Observation.create(
            item["code"],
            item.get("value"),
            item.get("unit"),
            observed_at=item["observed_at"],
            status=item.get("status", "final"),
            device=item.get("device"),
            qc=qc,
            comparator=comparator,
            source_message_id=item.get("source_message_id"),
        )
        # without a unit, a value another unit makes plausible too is refused, as the API does
        require_unit_if_ambiguous(observation.code, observation.value, item.get("unit"))
        return observation
    except UserInputError as exc:
        raise type(exc)(f"{where}.{_field_for(exc)}: {exc}{_unit_assumed(exc, item)}") from None


def _unit_assumed(exc: UserInputError, item: dict[str, Any]) -> str:
    """Without a unit a value is read in its code's canonical one, so a kPa pressure typed without
    it is refused as '16.9 mm[Hg]' - a unit the input never said: the line says where it came from."""
    if not isinstance(exc, ImplausibleValueError) or (item.get("unit") or "").strip():
        return ""
    c = concept(item["code"])
    others = f" (accepted too: {', '.join(c.accepted_units)})" if c.accepted_units else ""
    return f'; the input gives no unit, so it was read in {c.unit}: add its "unit" if it is another{others}'


def _check_labels(data: dict[str, Any], where: str) -> None:
    """``synthetic`` (JSON true/false) and ``note`` (text) label the input; a ``"yes"`` was ignored."""
    synthetic = data.get("synthetic")
    if synthetic is not None and not isinstance(synthetic, bool):
        raise UserInputError(f"{where}: synthetic: {BOOLEAN_RULE}, got {json_text(synthetic)}")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise UserInputError(f"{where}: note: must be a string, got {json_text(note)}")


def parse_request(data: Any, *, base_dir: Path | None = None, where: str = "input") -> AssessRequest:
    """Validate a decoded JSON document; ``UserInputError`` names ``where`` and the field."""
    if not isinstance(data, dict):
        raise UserInputError(
            f"{where}: expected a JSON object whose fields are all optional: 'patient' (an object),"
            f" 'observations' (a list; none: insufficient_data), 'policy', 'assessed_at';"
            f" got {json_kind(data)}"
        )
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise UserInputError(
            f"{where}: unknown field {json_text(unknown[0])}; allowed: {', '.join(sorted(TOP_KEYS))}"
        )
    _check_labels(data, where)
    patient = patient_from_mapping(data.get("patient", {}), where=f"{where}: patient")
    raw = data.get("observations", [])
    if not isinstance(raw, list):
        raise UserInputError(f"{where}: observations: expected a list, got {json_kind(raw)}")
    observations = [parse_observation(item, f"{where}: observations[{i}]") for i, item in enumerate(raw)]
    check_pairs(observations, lambda i: f"observations[{i}].value", prefix=f"{where}: ")
    policy_path: Path | None = None
    if data.get("policy") is not None:
        if not isinstance(data["policy"], str) or not data["policy"].strip():
            raise UserInputError(
                f"{where}: policy: expected a file path string, got {json_text(data['policy'])}"
            )
        policy_path = Path(data["policy"])
        if not policy_path.is_absolute() and base_dir is not None:
            policy_path = base_dir / policy_path
    assessed_at: datetime | None = None
    if data.get("assessed_at") is not None:
        assessed_at = parse_time(data["assessed_at"], f"{where}: assessed_at")
    return AssessRequest(patient, observations, policy_path, assessed_at)


def parse_time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise UserInputError(f"{where}: {time_problem(value)}{shown_input(value)}")
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserInputError(
            f"{where}: {json_text(value)} is not an ISO 8601 time (e.g. 2026-11-25T08:30:00+08:00)"
        ) from None
    if when.tzinfo is None:
        raise UserInputError(f"{where}: {json_text(value)} has no timezone; add one (e.g. +08:00 or Z)")
    if when.year > LATEST_YEAR:
        raise UserInputError(
            f"{where}: {json_text(value)} is out of range (year {when.year}); an assessment time must be"
            f" in the year {LATEST_YEAR} or earlier, as a reading's time must be before the year 9999"
        )
    return when
