"""A refused value too long to repeat is cut, with its length - the length of the value the client
sent, not of its JSON quoting: a 201-character idempotency key was said to have "(203 characters)"
(its two quotes counted), and a text with quotes or backslashes more still (each escape counted),
so a client comparing the length with the field's maximum (200) was misled. Real uvicorn, real
SQLite, the answer checked against /openapi.json."""

from __future__ import annotations

from pathlib import Path

from tests.service.openapi_check import conforms, live_api
from triage.service.auth import Role


def test_a_long_refused_value_is_said_with_its_own_length(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    with live_api(tmp_path, seeded, Role.nurse) as (client, document):
        for key in ("k" * 201, '"\\' * 101):  # 201 letters; 202 characters, 404 once JSON-escaped
            refused = client.post("/api/v1/encounters", json={"mrn": "LONG-1", "idempotency_key": key})
            conforms(document, refused)
            assert refused.status_code == 422, refused.text
            said = refused.json()["error"]
            assert said.startswith("idempotency_key: String should have at most 200 characters"), said
            assert said.endswith(f"... ({len(key)} characters))"), said
