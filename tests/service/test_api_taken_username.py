"""A user name already taken is a 409 that names the body's field it came in, as every refusal of
an input does (``fields``): ``username: user "nurse" already exists``. It read ``user "nurse"
already exists`` with no ``fields``, so an administrator's tool could not mark the field it came
from, while the 404 for an unknown ``username`` of a token names it. Real uvicorn, real SQLite,
the answer checked against /openapi.json."""

from __future__ import annotations

from pathlib import Path

from tests.service.openapi_check import conforms, live_api
from triage.service.auth import Role


def test_a_user_name_already_taken_is_refused_naming_the_field(
    tmp_path: Path, seeded: tuple[Path, object]
) -> None:
    with live_api(tmp_path, seeded, Role.admin) as (client, document):  # type: ignore[arg-type]
        body = {"username": "nurse", "password": "a long enough password", "role": "nurse"}
        taken = client.post("/api/v1/users", json=body)
        conforms(document, taken)
        assert taken.status_code == 409, taken.text
        said = taken.json()
        assert said["code"] == "conflict" and said["fields"] == ["username"], said
        assert said["error"] == 'username: user "nurse" already exists', said
        # a new name is created, as before
        created = client.post("/api/v1/users", json=body | {"username": "nurse2"})
        conforms(document, created)
        assert created.status_code == 201, created.text
