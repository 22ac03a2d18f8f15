"""A new account's language: docs/service.md says new accounts get ``service.default_language``, but
``POST /api/v1/users`` without ``language`` gave every account Chinese (its body's default was
``"zh"``), so an English-speaking clinic's new nurse saw Chinese pages. Now the clinic's setting,
``language`` in the body still winning. Real uvicorn on a real SQLite file (the clinic's language set
to English, as the test settings do); answers checked against /openapi.json."""

from __future__ import annotations

from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def test_a_new_account_gets_the_clinics_language_unless_the_body_names_one(served: Served) -> None:
    assert served.app.state.runtime.settings.service.default_language == "en"
    client, admin = served.sync.client, served.headers(Role.admin)
    for username, extra, language in (("nurse-en", {}, "en"), ("nurse-zh", {"language": "zh"}, "zh")):
        body = {"username": username, "password": "clinic-pass-2026", "role": "nurse", **extra}
        made = client.post("/api/v1/users", json=body, headers=admin)
        conforms(served.sync.document, made)
        assert made.status_code == 201 and made.json()["language"] == language, made.text
    listed = {row["username"]: row["language"] for row in client.get("/api/v1/users", headers=admin).json()}
    assert listed["nurse-en"] == "en" and listed["nurse-zh"] == "zh", listed
