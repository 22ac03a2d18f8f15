"""A creation's 201 says where the created record is (``Location``, RFC 9110 10.2.2), and a client
reads it back there: the routes are walked from the app, so a new creation with a path of its own
and no ``Location`` fails here."""

from __future__ import annotations

import copy

from fastapi.routing import APIRoute, iter_route_contexts

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role

#: Creations whose record has no GET path of its own: they answer no Location (docs/service.md).
NO_OWN_PATH = {
    "/api/v1/patients/{patient_id}/corrections",
    "/api/v1/encounters/{encounter_id}/observations",
    "/api/v1/assessments/{assessment_id}/overrides",
    "/api/v1/users",
    "/api/v1/tokens",
    "/api/v1/devices/{device_id}/association",
    "/api/v1/devices/results/{result_id}/assign",
}


def test_every_creation_declares_its_location(staff: Staff) -> None:
    document = staff.client.get("/openapi.json").json()
    creations = set()
    for context in iter_route_contexts(staff.app.routes):
        route = context.route
        if isinstance(route, APIRoute) and route.status_code == 201:
            creations.add(context.path)
            declared = document["paths"][context.path]["post"]["responses"]["201"].get("headers", {})
            assert ("Location" in declared) == (context.path not in NO_OWN_PATH), context.path
    assert creations >= NO_OWN_PATH | {"/api/v1/referrals", "/api/v1/assessments"}


def test_each_location_reads_back_the_created_record(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)

    def made(path: str, body: object) -> dict[str, object]:
        answer = staff.client.post(path, json=body, headers=doctor)
        assert answer.status_code == 201, answer.text
        back = staff.client.get(answer.headers["Location"], headers=doctor)
        assert back.status_code == 200 and back.json()["id"] == answer.json()["id"], answer.headers
        return dict(answer.json())

    walk_in = made("/api/v1/assessments", WALK_IN)
    made(
        "/api/v1/referrals",
        {
            "assessment_id": walk_in["id"],
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "SpO2 86 % on air",
        },
    )
    made(f"/api/v1/encounters/{walk_in['encounter_id']}/assessments", {})
    patient = made("/api/v1/patients", {"mrn": "LOC-2", "sex": "female"})
    encounter = staff.client.post("/api/v1/encounters", json={"mrn": "LOC-2"}, headers=doctor)
    assert encounter.headers["Location"] == f"/api/v1/encounters/{encounter.json()['id']}"
    # found, not created: a 200 without Location
    again = staff.client.post("/api/v1/patients", json={"mrn": "LOC-2"}, headers=doctor)
    assert (
        again.status_code == 200 and "Location" not in again.headers and again.json()["id"] == patient["id"]
    )
    retried = copy.deepcopy(WALK_IN) | {"idempotency_key": "loc-retry"}
    first = staff.client.post("/api/v1/assessments", json=retried, headers=doctor)
    second = staff.client.post("/api/v1/assessments", json=retried, headers=doctor)
    assert first.headers["Location"] == second.headers["Location"], (first.headers, second.headers)
    referral = {
        "assessment_id": first.json()["id"],
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "retried after a timeout",
        "idempotency_key": "loc-referral",
        "alongside_open": True,
    }
    sent = [staff.client.post("/api/v1/referrals", json=referral, headers=doctor) for _ in range(2)]
    assert [a.status_code for a in sent] == [201, 201], sent[1].text
    assert (
        sent[0].json()["id"] == sent[1].json()["id"]
        and sent[0].headers["Location"] == sent[1].headers["Location"]
    )
