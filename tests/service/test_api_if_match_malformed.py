"""An ``If-Match`` (or an ``If-None-Match`` on a write) that is no entity tag - the ETag with its
double quotes taken off, as many clients store it, or an empty header - is a 422 naming the header
and saying what an entity tag is, nothing written. It was a 412 ``precondition_failed`` saying
"it changed since it was read; read it again ... and send its ETag": the record had not changed,
and a client doing as told read it again, sent the tag without its quotes again and was answered
the same 412 for ever (an empty header read ``header.If-Match:  is not the record's ETag now``).
Real uvicorn, real accounts on a real SQLite file; every answer checked against /openapi.json.
The module's two tests share one service (:func:`live`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.conftest import WALK_IN
from tests.service.openapi_check import conforms
from tests.service.served_once import AsRole, role_clients
from tests.service.test_api_facility_put import FACILITY
from tests.service.test_api_if_match import a_referral_and_its_patient
from triage.service.auth import Role

PATH = "/api/v1/facilities/f-new"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[AsRole]:
    """One service for both tests (each started its own: a copy of the seeded log, create_app,
    uvicorn, its OpenAPI document). They do not interfere: the first writes the facility f-new, the
    second a walk-in's referral and its patient (the only patient here)."""
    with role_clients(tmp_path_factory.mktemp("if_match_malformed"), seeded) as as_role:
        yield as_role


def test_a_tag_without_its_quotes_or_an_empty_header_is_a_422_not_a_412(live: AsRole) -> None:
    c, document = live(Role.admin)
    assert c.put(PATH, json=FACILITY).status_code == 201
    now = c.get(PATH).headers["ETag"]
    bare = now.strip('"')
    for header, value, said in (
        ("If-Match", bare, f"header.If-Match: {bare} is not an entity tag"),
        ("If-Match", "", "header.If-Match: is empty"),
        ("If-Match", ", ,", "header.If-Match: names no entity tag"),
        ("If-Match", f"{now}, {bare}", f"header.If-Match: {bare} is not an entity tag"),
        ("If-None-Match", bare, f"header.If-None-Match: {bare} is not an entity tag"),
    ):
        answer = c.put(PATH, json=FACILITY | {"beds": 99}, headers={header: value})
        conforms(document, answer)
        assert answer.status_code == 422, (header, value, answer.text)
        assert answer.json()["code"] == "invalid_input", answer.json()
        assert answer.json()["fields"] == [f"header.{header}"], answer.json()
        assert answer.json()["error"].startswith(said), answer.json()
        assert "in double quotes" in answer.json()["error"], answer.json()
        assert "changed since it was read" not in answer.json()["error"], answer.json()
    assert c.get(PATH).json()["beds"] == FACILITY["beds"]
    # well-formed tags are compared as before: the tag now matches, a weak or stale one is a 412
    assert c.put(PATH, json=FACILITY | {"beds": 11}, headers={"If-Match": now}).status_code == 200
    assert c.put(PATH, json=FACILITY, headers={"If-Match": f"W/{now}"}).status_code == 412
    assert c.put(PATH, json=FACILITY, headers={"If-Match": now}).status_code == 412


def test_a_status_and_a_correction_with_a_tag_without_quotes_are_422(live: AsRole) -> None:
    c, document = live(Role.clinician)
    referral, patient = a_referral_and_its_patient(c)
    for path, sent, read in (
        (f"{referral}/status", {"status": "sent"}, referral),
        (f"{patient}/corrections", {"name": "Synthetic Two", "reason": "typo"}, patient),
    ):
        bare = c.get(read).headers["ETag"].strip('"')
        answer = c.post(path, json=sent, headers={"If-Match": bare})
        conforms(document, answer)
        assert answer.status_code == 422, answer.text
        assert answer.json()["fields"] == ["header.If-Match"], answer.json()
    assert c.get(referral).json()["status"] == "proposed"
    assert c.get(patient).json()["name"] == WALK_IN["patient"]["name"]  # type: ignore[index]
