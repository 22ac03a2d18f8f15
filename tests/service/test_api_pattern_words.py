"""A value refused by its field's pattern was said as pydantic says it - "String should match pattern
'^\\S(.*\\S)?$'" for a record number with a space at its end, "String should match pattern '\\S'"
for a blank reason -: an integrator or a nurse was asked to read a regular expression. Each pattern
of the API's bodies is said in words (``referral.errors.validation_message``), naming the field as
before. Real uvicorn on a real SQLite file; every answer checked against /openapi.json."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pydantic

from referral.errors import _PATTERNS_SAID
from tests.service.conftest import HTTP_TIMEOUT_S, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role


def test_a_value_its_pattern_refuses_is_said_in_words(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        document = client.get("/openapi.json").json()
        nurse = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
        admin = {"Authorization": f"Bearer {tokens[Role.admin]}"}
        clinician = {"Authorization": f"Bearer {tokens[Role.clinician]}"}
        for path, body, headers, said in (
            (
                "/api/v1/patients",
                {"mrn": "A-1 "},
                nurse,
                'mrn: begins or ends with a space; send it without spaces at either end (got "A-1 ")',
            ),
            (
                "/api/v1/encounters",
                {"mrn": " A-1"},
                nurse,
                'mrn: begins or ends with a space; send it without spaces at either end (got " A-1")',
            ),
            (
                "/api/v1/referrals",
                {"assessment_id": 1, "to_facility": "county-hospital", "urgency": "urgent", "reason": "   "},
                clinician,
                'reason: is blank; give the text (got "   ")',
            ),
            (
                "/api/v1/assessments/1/overrides",
                {"disposition": "local_care", "reason": " \t "},
                clinician,
                'reason: is blank; give the text (got " \\t ")',
            ),
        ):
            answer = client.post(path, json=body, headers=headers)
            conforms(document, answer)
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"] == said, answer.text
        lookup = client.get("/api/v1/patients", params={"mrn": "A-1 "}, headers=admin)
        assert lookup.json()["error"].startswith("query.mrn: begins or ends with a space"), lookup.text


def _patterns(node: object, found: set[str]) -> set[str]:
    """Every ``pattern`` of a JSON schema (or an OpenAPI document), however deep."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                found.add(value)
            else:
                _patterns(value, found)
    elif isinstance(node, list):
        for value in node:
            _patterns(value, found)
    return found


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_pattern_said_in_words_is_one_a_field_uses(tmp_path: Path) -> None:
    """A wording for a pattern no field has is dead text that reads as if a field asked it: the
    API's user name pattern went in 9ad8d260 and its wording stayed. The patterns of the API (its
    bodies, queries and paths, from its OpenAPI document) and of every model of the packages (a
    device profile, a model card, a patient file) are what the wordings may be for."""
    found = _patterns(create_app(make_settings(tmp_path)).openapi(), set())
    for package in ("referral", "devices", "triage", "models"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            importlib.import_module(module.name)
    for model in set(_subclasses(pydantic.BaseModel)):
        if model.__module__.split(".")[0] in ("referral", "devices", "triage", "models"):
            _patterns(model.model_json_schema(), found)
    assert set(_PATTERNS_SAID) - found == set()
