"""A JSON integer of more digits than Python reads in one integer (4300, ``sys.get_int_max_str_digits``)
is a 422 naming the field and the number, as a number no float holds (``1e400``) and a 400-digit
integer are: it was a 400 ``unreadable_body`` "body: a number in the JSON has more than 4300 digits",
naming no field, so a client whose bridge wrote a runaway value into one reading of a walk-in could
not tell which. Nothing is stored. Real uvicorn on a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, copy_seeded, live_server, make_settings
from triage.service import create_app
from triage.service.auth import Role

RUNAWAY = "9" * 5000  # more than Python's 4300


def test_an_integer_of_more_than_4300_digits_is_422_naming_the_field(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    settings = make_settings(tmp_path)
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {tokens[Role.nurse]}", "Content-Type": "application/json"}
    with live_server(app) as base, httpx.Client(base_url=base, headers=headers, timeout=HTTP_TIMEOUT_S) as c:
        walk_in = (
            '{"patient": {"mrn": "DIGITS-1", "name": "Synthetic Patient", "sex": "male"}, "age_years": 70,'
            f' "observations": [{{"code": "spo2", "value": 96, "unit": "%"}},'
            f' {{"code": "heart_rate", "value": {RUNAWAY}, "unit": "/min"}}]}}'
        )
        cases = [
            ("/api/v1/assessments", walk_in, "observations[1].value"),
            ("/api/v1/encounters", f'{{"mrn": "DIGITS-1", "age_years": {RUNAWAY}}}', "age_years"),
            ("/api/v1/encounters", f'{{"mrn": "DIGITS-1", "age_years": -{RUNAWAY}}}', "age_years"),
        ]
        for path, body, field in cases:
            answer = c.post(path, content=body)
            assert answer.status_code == 422, (path, answer.status_code, answer.text[:300])
            error = answer.json()
            assert error["code"] == "invalid_input", error
            assert error["error"].startswith(f"{field}: the number "), error["error"][:200]
            assert "(5001 characters)" in error["error"] or "(5000 characters)" in error["error"], error
            assert "too large to read" in error["error"], error["error"][:300]
        # nothing stored: the patient is not registered
        with sqlite3.connect(settings.database.path) as db:
            assert db.execute("SELECT count(*) FROM patients WHERE mrn = 'DIGITS-1'").fetchone() == (0,)
        assert c.post("/api/v1/assessments", json=WALK_IN).status_code == 201, "a sound walk-in still is"
