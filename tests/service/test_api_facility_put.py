"""``PUT /api/v1/facilities/{id}`` says whether it added the facility or replaced it (RFC 9110
9.3.4): 201 with ``Location`` when it created the entry, 200 when it replaced one - it answered 200
both times, so a client syncing a directory could not tell a new facility from an edit. The
``Location`` reads the entry back; the OpenAPI document declares both answers. (The app on a real
SQLite file.)"""

from __future__ import annotations

from tests.service.conftest import Staff
from triage.service.auth import Role

FACILITY = {
    "id": "f-new",
    "name": "New Clinic",
    "tier": "primary",
    "region_code": "R1",
    "lon": 104.0,
    "lat": 30.6,
    "beds": 10,
    "capacity": 50,
}


def test_put_answers_201_with_location_when_it_adds_and_200_when_it_replaces(staff: Staff) -> None:
    admin = staff.bearer(Role.admin)
    added = staff.client.put("/api/v1/facilities/f-new", json=FACILITY, headers=admin)
    assert added.status_code == 201, added.text
    assert added.headers["Location"] == "/api/v1/facilities/f-new"
    assert added.json()["name"] == "New Clinic"
    back = staff.client.get(added.headers["Location"], headers=staff.bearer(Role.analyst))
    assert back.status_code == 200 and back.json() == added.json(), back.text

    replaced = staff.client.put(
        "/api/v1/facilities/f-new", json=FACILITY | {"name": "Renamed Clinic"}, headers=admin
    )
    assert replaced.status_code == 200 and "Location" not in replaced.headers, replaced.headers
    assert replaced.json()["name"] == "Renamed Clinic"
    db = staff.app.state.runtime.databases.get()
    actions = [
        r[0] for r in db.conn.execute("SELECT action FROM audit WHERE entity_id = 'f-new' ORDER BY seq")
    ]
    assert actions == ["facility.create", "facility.update"]

    unknown = staff.client.get("/api/v1/facilities/f-none", headers=admin)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found", unknown.text


def test_the_document_declares_both_answers_of_put(staff: Staff) -> None:
    answers = staff.client.get("/openapi.json").json()["paths"]["/api/v1/facilities/{facility_id}"]
    put = answers["put"]["responses"]
    assert "Location" in put["201"]["headers"] and "Location" not in put["200"].get("headers", {})
    for status in ("200", "201"):
        assert put[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/FacilityOut"
        }, put[status]
    assert "get" in answers
