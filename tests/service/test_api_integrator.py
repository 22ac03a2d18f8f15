"""What an integrator's client met against the documented API (found with schemathesis over
/openapi.json, ``st run --checks all``): a 500 for a key the document allows, and a 405 whose
``Allow`` left out methods the path takes."""

from __future__ import annotations

import copy
import re
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient

from tests.service.conftest import WALK_IN, Staff
from triage.service.api.json_body import JsonRoute
from triage.service.auth import Role


def test_a_walk_in_key_of_the_documented_200_characters_is_stored_and_replayed_not_a_500(
    staff: Staff,
) -> None:
    # the encounter's key is the walk-in's plus ":encounter", and was held to 200 characters too
    integrator = staff.bearer(Role.integrator)
    for length in (191, 200):
        body = copy.deepcopy(WALK_IN) | {"idempotency_key": "k" * length}
        body["patient"]["mrn"] = f"KEY-{length}"
        first = staff.client.post("/api/v1/assessments", json=body, headers=integrator)
        assert first.status_code == 201, first.text
        again = staff.client.post("/api/v1/assessments", json=body, headers=integrator)
        assert again.status_code == 201 and again.json()["id"] == first.json()["id"], again.text
    too_long = copy.deepcopy(WALK_IN) | {"idempotency_key": "k" * 201}
    refused = staff.client.post("/api/v1/assessments", json=too_long, headers=integrator)
    assert refused.status_code == 422 and refused.json()["error"].startswith("idempotency_key: "), (
        refused.text
    )


def test_a_405_allows_every_method_the_path_takes(staff: Staff) -> None:
    # the framework named one route's methods: `Allow: GET` on /api/v1/patients, which takes POST
    document = staff.client.get("/openapi.json").json()
    admin = staff.bearer(Role.admin)
    checked = 0
    for template, operations in document["paths"].items():
        documented = {method.upper() for method in operations}
        unused = sorted({"GET", "POST", "PUT", "DELETE", "PATCH"} - documented)
        if not unused:
            continue
        path = re.sub(r"\{[^}]+\}", "1", template)
        answer = staff.client.request(unused[0], path, headers=admin)
        assert answer.status_code == 405, (unused[0], path, answer.text)
        expected = documented | ({"HEAD"} if "GET" in documented else set())
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert allowed == expected, (path, answer.headers["allow"])
        checked += 1
    assert checked > 20


def test_a_query_parameter_given_twice_is_422_naming_it_not_the_last_one_taken(staff: Staff) -> None:
    # ?before_id=9&before_id=4 read the last value without a word (a client that appended the cursor
    # to a URL already holding one got another page than it asked for)
    doctor = staff.bearer(Role.clinician)
    for path, query in (
        ("/api/v1/referrals", [("before_id", "9"), ("before_id", "4")]),
        ("/api/v1/queue", [("state", "open"), ("limit", "5"), ("state", "closed")]),
    ):
        answer = staff.client.get(path, params=query, headers=doctor)
        assert answer.status_code == 422, answer.text
        name, first, second = query[0][0], query[0][1], query[-1][1]
        assert answer.json()["error"] == f'query.{name}: given 2 times ("{first}", "{second}"); give it once'
    assert staff.client.get("/api/v1/referrals", params={"before_id": 9}, headers=doctor).status_code == 200


def test_a_query_parameter_taken_as_a_list_may_be_given_many_times() -> None:
    router = APIRouter(route_class=JsonRoute)

    @router.get("/codes")
    def codes(code: Annotated[list[str] | None, Query()] = None, limit: int = 5) -> list[str]:
        return (code or [])[:limit]

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        assert client.get("/codes?code=a&code=b").json() == ["a", "b"]
        assert client.get("/codes?code=a&limit=1&limit=2").status_code == 422
