"""A refused reading is named by the JSON path the client sent, in each endpoint that takes
readings: ``observations[i]`` in a walk-in's body (an object whose ``observations`` holds them) and
``body[i]`` in ``POST /api/v1/encounters/{id}/observations`` (the body is the array itself). The
second named the engine's refusals - an implausible value, a unit not accepted, a reading without
a unit, a time in the future, a swapped pair of pressures - ``observations[i]``, a field that body
does not have, while its schema's refusals (an unknown key, a missing code) said ``body[i]``: a
client that marks the refused reading by ``fields`` found nothing to mark. The module's cases share
one service and one visit (:func:`staff`, :func:`visit`): every request they send is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import WALK_IN, Staff, copy_seeded, make_settings
from triage.service import create_app
from triage.service.auth import Role

CALM = {"code": "spo2", "value": 97, "unit": "%"}
FUTURE = "2099-01-01T00:00:00Z"

#: (a second reading the service refuses, the path under that reading the refusal names)
REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"code": "spo2", "value": 186, "unit": "%"}, ""),  # implausible
    ({"code": "spo2", "value": "x", "unit": "%"}, ""),  # not a number
    ({"code": "spo2", "value": 97, "unit": "kg"}, ""),  # a unit the code does not take
    ({"code": "no_such_code", "value": 1}, ""),  # a code the vocabulary does not have
    ({"code": "weight", "value": 70}, ".unit"),  # plausible in kg and in lb: the unit is asked
    ({"code": "spo2", "value": 97, "unit": "%", "observed_at": FUTURE}, ".observed_at"),
    ({"code": "spo2", "value": 97, "unit": "%", "extra": 1}, ".extra"),  # the schema's own refusal
    ({"value": 97, "unit": "%"}, ".code"),
]


def _refused(answer: Any) -> tuple[list[str], str]:
    assert answer.status_code == 422, answer.text
    body = answer.json()
    return body["fields"], body["error"]


@pytest.fixture(scope="module")
def staff(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Staff]:
    """One service for the module's nine cases (each started its own: a copy of the seeded log,
    create_app, its lifespan). They do not interfere: each sends only readings and walk-ins that
    are refused, so the visit they add readings to holds the walk-in's readings alone (checked when
    the module ends)."""
    folder = tmp_path_factory.mktemp("paths")
    tokens = copy_seeded(seeded, folder)
    app = create_app(make_settings(folder))
    with TestClient(app) as client:
        yield Staff(app, client, tokens)


@pytest.fixture(scope="module")
def visit(staff: Staff) -> Iterator[int]:
    """A walk-in's open visit, to add readings to, once for the module (each case walked one in);
    when the module ends, its readings and the log's patients are still the walk-in's alone."""
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    yield int(made.json()["encounter_id"])
    conn = staff.app.state.runtime.databases.get().conn
    readings = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    assert readings == len(WALK_IN["observations"]), "a refused reading was stored"  # type: ignore[arg-type]
    assert [m for (m,) in conn.execute("SELECT mrn FROM patients")] == ["MRN-001"], (
        "a refused walk-in was stored"
    )


@pytest.mark.parametrize(("reading", "under"), REFUSED)
def test_a_refused_reading_is_named_by_the_path_the_client_sent(
    staff: Staff, visit: int, reading: dict[str, Any], under: str
) -> None:
    nurse = staff.bearer(Role.nurse)
    added = staff.client.post(f"/api/v1/encounters/{visit}/observations", json=[CALM, reading], headers=nurse)
    fields, error = _refused(added)
    assert fields == [f"body[1]{under}"] and error.startswith(f"body[1]{under}: "), (fields, error)
    walk_in = {**WALK_IN, "patient": {"mrn": "PATHS-1"}, "observations": [CALM, reading]}
    fields, error = _refused(staff.client.post("/api/v1/assessments", json=walk_in, headers=nurse))
    assert fields == [f"observations[1]{under}"] and error.startswith(f"observations[1]{under}: "), (
        fields,
        error,
    )


def test_a_swapped_pair_names_both_values_by_the_bodys_paths(staff: Staff, visit: int) -> None:
    pair = [{"code": "sbp", "value": 80, "unit": "mmHg"}, {"code": "dbp", "value": 120, "unit": "mmHg"}]
    added = staff.client.post(
        f"/api/v1/encounters/{visit}/observations", json=[CALM, *pair], headers=staff.bearer(Role.nurse)
    )
    fields, error = _refused(added)
    assert fields == ["body[1].value", "body[2].value"], (fields, error)
    assert error.startswith("body[1].value, body[2].value: dbp 120 mmHg is not below sbp 80 mmHg"), error
