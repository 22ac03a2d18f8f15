"""A JSON number no float holds - ``1e400``, a 400-digit integer - and the ``NaN``, ``Infinity``
and ``-Infinity`` that Python's JSON reader takes but JSON has not (RFC 8259 6) are a 422 naming the
field and the number as the client wrote it, nothing stored. They were read as Python's infinity or
NaN and refused in its words - ``age_years: Input should be a finite number (got Infinity)`` for a
client that sent ``1e400``, ``context.bmi: Input should be less than or equal to 90 (got NaN)``,
``spo2: value inf % is not a finite number`` - and a reading's 400-digit value named two fields the
API does not have (``observations[0].value.float``, ``observations[0].value.str``), as "not a valid
number". Real uvicorn on a real SQLite file; the module's three tests share one service
(:func:`client`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

TIMEOUT_S = 60.0
DIGITS_400 = "1" + "0" * 400

#: (the JSON sent as a walk-in's parts, where the error must point, how the number is said)
CASES = [
    ('"age_years": 1e400', "age_years", "1e400"),
    ('"age_years": -1E+999', "age_years", "-1E+999"),
    ('"age_years": 67, "context": {"bmi": NaN}', "context.bmi", "NaN"),
    ('"age_years": 67, "context": {"waist_cm": Infinity}', "context.waist_cm", "Infinity"),
    (f'"age_years": 67, "context": {{"weight_kg": {DIGITS_400}}}', "context.weight_kg", DIGITS_400[:20]),
    ('"age_years": 67, "reading": 1e400', "observations[0].value", "1e400"),
    (f'"age_years": 67, "reading": {DIGITS_400}', "observations[0].value", DIGITS_400[:20]),
    ('"age_years": 67, "reading": -Infinity', "observations[0].value", "-Infinity"),
]


def walk_in(parts: str, mrn: str) -> str:
    reading = "97"
    if '"reading": ' in parts:
        parts, reading = parts.split(', "reading": ')
    return (
        f'{{"patient": {{"mrn": "{mrn}", "sex": "female"}}, {parts},'
        f' "observations": [{{"code": "spo2", "value": {reading}, "unit": "%"}}]}}'
    )


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]
) -> Iterator[httpx.Client]:
    """The nurse's client on one service for the module (each test started its own: a copy of the
    seeded log, create_app, uvicorn). The tests do not interfere: each walks in patients of its own
    (BIG-0 ... BIG-7, BIG-V, OK-1) and looks for what was stored by them."""
    tmp_path = tmp_path_factory.mktemp("beyond_range")
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}", "Content-Type": "application/json"}
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, headers=auth, timeout=TIMEOUT_S) as http,
    ):
        yield http


def test_a_number_beyond_a_float_or_not_json_is_refused_naming_the_field_and_the_number(
    client: httpx.Client,
) -> None:
    for number, (parts, where, said) in enumerate(CASES):
        mrn = f"BIG-{number}"
        answer = client.post("/api/v1/assessments", content=walk_in(parts, mrn))
        assert answer.status_code == 422, (parts, answer.text)
        body = answer.json()
        assert body["fields"] == [where], (parts, body)
        assert body["error"].startswith(f"{where}: "), (parts, body)
        assert said in body["error"], (parts, body)
        assert "Infinity)" not in body["error"].replace(said, "") and " inf " not in body["error"], body
        if said == "NaN" or "Infinity" in said:
            assert "JSON has no NaN, Infinity or -Infinity" in body["error"], body
        else:
            assert "too large" in body["error"], body
        stored = client.get("/api/v1/patients", params={"mrn": mrn})
        assert stored.json()["total"] == 0, (parts, stored.json())


def test_readings_of_a_visit_name_the_reading_in_a_list_body(client: httpx.Client) -> None:
    opened = client.post("/api/v1/assessments", content=walk_in('"age_years": 50', "BIG-V"))
    assert opened.status_code == 201, opened.text
    visit = opened.json()["encounter_id"]
    path = f"/api/v1/encounters/{visit}/observations"
    answer = client.post(
        path, content='[{"code": "spo2", "value": 95, "unit": "%"}, {"code": "heart_rate", "value": 1e400}]'
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"] == ["body[1].value"], answer.json()
    assert answer.json()["error"].startswith("body[1].value: the number 1e400 is too large"), answer.json()
    readings = client.get(f"/api/v1/encounters/{visit}").json()["observations"]
    assert [reading["code"] for reading in readings] == ["spo2"], readings  # the walk-in's alone


def test_the_largest_numbers_a_float_holds_are_read_as_before(client: httpx.Client) -> None:
    """1e308 is a number (out of the field's range: that range's message), as is 1e-400 (zero)."""
    answer = client.post(
        "/api/v1/assessments", content=walk_in('"age_years": 67, "context": {"bmi": 1e308}', "OK-1")
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "context.bmi: Input should be less than or equal to 90 (got 1e+308)", (
        answer.json()
    )
