"""What an integrator's client met against the documented API (found with schemathesis over
/openapi.json, ``st run --checks all``): a 500 for a key the document allows, and a 405 whose
``Allow`` left out methods the path takes."""

from __future__ import annotations

import copy
import re

from tests.service.conftest import WALK_IN, Staff
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
