"""A user name already taken is a 409 that names the body's field it came in, as every refusal of
an input does (``fields``), and says what to do: choose another name, or - the account disabled -
enable it (``POST /api/v1/users/NAME/enable``), as ``triage referrals users add`` says. It read
``user "nurse" already exists`` with no ``fields``, so an administrator's tool could not mark the
field it came from, while the 404 for an unknown ``username`` of a token names it; then ``username:
user "nurse" already exists``, not whether the account was in use. Real uvicorn, real SQLite,
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
        assert said["error"] == (
            'username: an account "nurse" (nurse, active) exists already: choose another user name; no'
            " account was added"
        ), said
        # disabled, it may be the one the administrator meant to get back
        assert client.post("/api/v1/users/nurse/disable").status_code == 200
        taken = client.post("/api/v1/users", json=body)
        conforms(document, taken)
        assert taken.status_code == 409 and taken.json()["fields"] == ["username"], taken.text
        assert taken.json()["error"] == (
            'username: an account "nurse" (nurse, disabled) exists already: POST /api/v1/users/nurse/enable'
            " lets it sign in again, or choose another user name; no account was added"
        ), taken.text
        # a new name is created, as before
        created = client.post("/api/v1/users", json=body | {"username": "nurse2"})
        conforms(document, created)
        assert created.status_code == 201, created.text
