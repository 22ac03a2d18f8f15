"""Two clients editing one directory entry (a regional sync and an administrator): each sends the
``ETag`` it read as ``If-Match`` (RFC 9110 13.1.1) on ``PUT /api/v1/facilities/{id}``, and the one
whose copy is out of date is answered ``412 precondition_failed`` - nothing written - instead of
replacing the other's edit without a word (the lost update). Real uvicorn, real accounts on a real
SQLite file; every answer checked against /openapi.json. The module's tests share one service
(:func:`live`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import WALK_IN
from tests.service.openapi_check import conforms
from tests.service.served_once import AsRole, role_clients
from tests.service.test_api_facility_put import FACILITY
from triage.service.auth import Role

PATH = "/api/v1/facilities/f-new"
STAR = "/api/v1/facilities/f-star"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, seeded: tuple[Path, dict[Role, str]]) -> Iterator[AsRole]:
    """One service for the module's three tests (each started its own: a copy of the seeded log,
    create_app, uvicorn, its OpenAPI document). They do not interfere: each writes records of its own
    - the facility f-new, a walk-in's referral and patient (the only patient here), the facility
    f-star."""
    with role_clients(tmp_path_factory.mktemp("if_match"), seeded) as as_role:
        yield as_role


def test_a_put_whose_if_match_is_out_of_date_is_412_and_writes_nothing(live: AsRole) -> None:
    c, document = live(Role.admin)

    def put(body: dict[str, object], **headers: str) -> httpx.Response:
        answer = c.put(PATH, json=body, headers={k.replace("_", "-"): v for k, v in headers.items()})
        conforms(document, answer)
        return answer

    # If-Match on an entry that is not there: nothing to match, nothing added
    missing = put(FACILITY, If_Match='"0123"')
    assert missing.status_code == 412 and missing.json()["code"] == "precondition_failed", missing.text
    assert c.get(PATH).status_code == 404
    assert put(FACILITY).status_code == 201
    read = c.get(PATH)
    first = read.headers["ETag"]
    # the PUT's answer is the entry's representation: it carries the tag a GET would
    renamed = put(FACILITY | {"name": "县医院 Renamed"}, If_Match=first)
    assert renamed.status_code == 200, renamed.text
    now = c.get(PATH).headers["ETag"]
    assert renamed.headers["ETag"] == now != first
    # the other client still holds the first tag: refused, naming the header and the tag now
    stale = put(FACILITY | {"beds": 99}, If_Match=first)
    assert stale.status_code == 412, stale.text
    assert stale.json()["fields"] == ["header.If-Match"]
    assert stale.json()["context"] == {"etag": now}
    assert stale.json()["error"] == (
        f"header.If-Match: {first} is not the record's ETag now ({now}): it changed since it was read;"
        f" read it again (GET {PATH}) and send its ETag"
    )
    assert c.get(PATH).json()["beds"] == 10 and c.get(PATH).json()["name"] == "县医院 Renamed"
    # a weak tag never matches (strong comparison); "*" matches an entry that is there
    assert put(FACILITY, If_Match=f"W/{now}").status_code == 412
    assert put(FACILITY | {"beds": 11}, If_Match=f'"other", {now}').status_code == 200
    assert put(FACILITY | {"beds": 12}, If_Match="*").status_code == 200
    assert c.get(PATH).json()["beds"] == 12
    # and the document says so
    operation = document["paths"]["/api/v1/facilities/{facility_id}"]["put"]
    assert [p["in"] for p in operation["parameters"] if p["name"] == "If-Match"] == ["header"]
    assert "412" in operation["responses"]


def a_referral_and_its_patient(c: httpx.Client) -> tuple[str, str]:
    """A walk-in's referral and its patient, made by ``c`` (a clinician): their paths."""
    made = c.post("/api/v1/assessments", json=WALK_IN)
    body = {"assessment_id": made.json()["id"], "to_facility": "county-hospital", "urgency": "urgent"}
    referral = c.post("/api/v1/referrals", json=body | {"reason": "r"}).json()["id"]
    patient = c.get("/api/v1/patients").json()["data"][0]["id"]
    return f"/api/v1/referrals/{referral}", f"/api/v1/patients/{patient}"


def test_a_status_or_a_correction_sent_from_an_out_of_date_copy_is_412(live: AsRole) -> None:
    # a referral read, then reviewed by someone else: "sent" from the stale copy is refused, as is a
    # patient's correction made from a copy another correction has changed
    c, document = live(Role.clinician)
    path, patient = a_referral_and_its_patient(c)
    read = c.get(path).headers["ETag"]
    cancelled = c.post(f"{path}/status", json={"status": "cancelled", "note": "wrong ward"})
    assert cancelled.status_code == 200
    stale = c.post(f"{path}/status", json={"status": "sent"}, headers={"If-Match": read})
    conforms(document, stale)
    assert stale.status_code == 412 and stale.json()["context"] == {"etag": c.get(path).headers["ETag"]}
    assert stale.json()["error"].startswith(f"header.If-Match: {read} is not the record's ETag now")
    assert c.get(path).json()["status"] == "cancelled"

    read = c.get(patient).headers["ETag"]
    first = c.post(
        f"{patient}/corrections",
        json={"name": "Synthetic Two", "reason": "typo"},
        headers={"If-Match": read},
    )
    assert first.status_code == 201, first.text
    again = c.post(
        f"{patient}/corrections",
        json={"name": "Synthetic Three", "reason": "typo"},
        headers={"If-Match": read},
    )
    conforms(document, again)
    assert again.status_code == 412, again.text
    assert c.get(patient).json()["name"] == "Synthetic Two"
    for template, method in (
        ("/api/v1/referrals/{referral_id}/status", "post"),
        ("/api/v1/referrals/{referral_id}/basis-review", "post"),
        ("/api/v1/patients/{patient_id}/corrections", "post"),
    ):
        operation = document["paths"][template][method]
        assert "412" in operation["responses"] and "If-Match" in [p["name"] for p in operation["parameters"]]


def test_a_put_with_if_none_match_star_adds_the_facility_only_when_it_is_not_there(live: AsRole) -> None:
    # two sync clients adding the same new facility: the second would replace the first's entry (an
    # entry of this test's own, f-star: the module's first test adds f-new on the shared service)
    c, document = live(Role.admin)
    path, facility = STAR, FACILITY | {"id": "f-star"}
    added = c.put(path, json=facility, headers={"If-None-Match": "*"})
    conforms(document, added)
    assert added.status_code == 201, added.text
    again = c.put(path, json=facility | {"name": "Other Clinic"}, headers={"If-None-Match": "*"})
    conforms(document, again)
    assert again.status_code == 412 and again.json()["fields"] == ["header.If-None-Match"], again.text
    assert again.json()["error"] == (
        f"header.If-None-Match: * adds the entry only when there is none, and {path} is there"
        f" (ETag {added.headers['ETag']}); read it (GET {path}) and send its ETag as If-Match to replace it"
    )
    assert c.get(path).json()["name"] == "New Clinic"
    operation = document["paths"]["/api/v1/facilities/{facility_id}"]["put"]
    assert "If-None-Match" in [p["name"] for p in operation["parameters"]]
