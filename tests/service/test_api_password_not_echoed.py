"""A refused password is never repeated in the error: ``POST /api/v1/users`` answered
``password: String should have at least 10 characters (got "winter2026")``, so the password an
administrator's script sent went into every log that keeps the client's errors. The message still
says what and where. (Real uvicorn, a real admin token.)"""

from __future__ import annotations

from pathlib import Path

from tests.service.openapi_check import conforms, live_api
from triage.service.auth import Role


def test_a_refused_password_is_not_in_the_error(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> None:
    with live_api(tmp_path, seeded, Role.admin) as (c, document):
        for password, said in (
            ("winter26", "password: String should have at least 10 characters"),
            ("w" * 201, "password: String should have at most 200 characters"),
            (20261206, "password: Input should be a valid string"),
        ):
            body = {"username": "new.nurse", "password": password, "role": "nurse"}
            refused = c.post("/api/v1/users", json=body)
            conforms(document, refused)
            assert refused.status_code == 422 and refused.json()["fields"] == ["password"], refused.text
            assert refused.json()["error"] == f"{said} (the value is not repeated: a password)", refused.text
            assert str(password)[:20] not in refused.text
        # other fields still show what was sent
        other = c.post(
            "/api/v1/users", json={"username": "x", "password": "a-long-password", "role": "nurse"}
        )
        assert other.json()["error"].endswith('(got "x")'), other.text
