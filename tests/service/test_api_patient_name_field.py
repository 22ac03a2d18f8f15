"""A patient's name holding a control character (a tab, a line feed) is refused, said by position and
code point, never repeated (patient data). In a walk-in the 422 named ``name`` - a field its body
does not have (the name is ``patient.name``), so a client marking the refused field found none; now
it names the field's path, as a record number's refusal does. Real uvicorn on a real SQLite file;
every answer checked against /openapi.json."""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
from sqlite_utils import Database

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role

NAME = "Li\tNa"
SAID = "has a control character (U+0009) at character 3; type the name on one line"


def test_a_name_with_a_tab_is_refused_naming_its_path_and_never_repeated(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    walk_in = copy.deepcopy(WALK_IN)
    walk_in["patient"] |= {"mrn": "TAB-1", "name": NAME}  # type: ignore[operator]
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, timeout=HTTP_TIMEOUT_S) as client,
    ):
        client.headers["Authorization"] = f"Bearer {tokens[Role.nurse]}"
        document = client.get("/openapi.json").json()
        registered = client.post("/api/v1/patients", json={"mrn": "NAMED-1", "name": "Li Na"})
        assert registered.status_code == 201, registered.text
        patient = registered.json()["id"]
        for path, body, field in (
            ("/api/v1/assessments", walk_in, "patient.name"),
            ("/api/v1/patients", {"mrn": "TAB-2", "name": NAME}, "name"),
            (f"/api/v1/patients/{patient}/corrections", {"name": NAME, "reason": "typo"}, "name"),
        ):
            answer = client.post(path, json=body)
            conforms(document, answer)
            assert answer.status_code == 422, answer.text
            assert answer.json()["fields"] == [field], answer.text
            assert answer.json()["error"].startswith(f"{field}: {SAID}"), answer.text
            assert "Li" not in answer.json()["error"], answer.text
    db = Database(tmp_path / "clinic.db")
    try:
        assert [name for (name,) in db.execute("SELECT name FROM patients")] == ["Li Na"]
    finally:
        db.close()
