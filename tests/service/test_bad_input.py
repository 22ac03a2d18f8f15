"""A careless client's requests against the API and the pages, on a real SQLite file: each is
refused with a 4xx naming the field or the reason, never a 500, and nothing stored changes."""

from __future__ import annotations

from tests.service.conftest import Staff
from triage.service.auth import Role


def stored(staff: Staff, *tables: str) -> dict[str, list[tuple[object, ...]]]:
    db = staff.app.state.runtime.databases.get()
    return {t: db.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}


def test_an_encounter_key_reused_for_another_patient_is_409_not_the_first_patient_s_encounter(
    staff: Staff,
) -> None:
    nurse = staff.bearer(Role.nurse)
    for mrn in ("KEY-A", "KEY-B"):
        assert staff.client.post("/api/v1/patients", json={"mrn": mrn}, headers=nurse).status_code == 201
    first = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-A", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert first.status_code == 201, first.text
    again = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-A", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"], "a retry: the same row"
    before = stored(staff, "encounters", "audit")
    other = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-B", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_conflict"
    assert "'visit-1' was already used for another patient's encounter" in other.json()["error"]
    unknown = staff.client.post(
        "/api/v1/encounters", json={"mrn": "KEY-NONE", "idempotency_key": "visit-1"}, headers=nurse
    )
    assert unknown.status_code == 409, unknown.text
    assert stored(staff, "encounters", "audit") == before


def test_assess_now_repeated_with_its_idempotency_key_returns_the_stored_assessment(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    for mrn in ("AK-1", "AK-2"):
        assert staff.client.post("/api/v1/patients", json={"mrn": mrn}, headers=nurse).status_code == 201
    one, two = (
        staff.client.post("/api/v1/encounters", json={"mrn": mrn}, headers=nurse).json()["id"]
        for mrn in ("AK-1", "AK-2")
    )
    reading = [{"code": "spo2", "value": 91, "unit": "%"}]
    assert (
        staff.client.post(f"/api/v1/encounters/{one}/observations", json=reading, headers=nurse).status_code
        == 201
    )
    body = {"idempotency_key": "assess-1", "context": {"current_smoker": True}}
    first = staff.client.post(f"/api/v1/encounters/{one}/assessments", json=body, headers=nurse)
    assert first.status_code == 201, first.text
    before = stored(staff, "assessments", "encounters", "audit")
    again = staff.client.post(f"/api/v1/encounters/{one}/assessments", json=body, headers=nurse)
    assert again.status_code == 201, again.text
    assert again.json() == first.json(), "a retry gets the stored assessment"
    other = staff.client.post(f"/api/v1/encounters/{two}/assessments", json=body, headers=nurse)
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "idempotency_conflict"
    assert f"already used for an assessment of encounter {one}" in other.json()["error"]
    assert stored(staff, "assessments", "encounters", "audit") == before, "nothing stored twice"


def test_a_facility_with_more_beds_than_a_64_bit_integer_is_422_and_the_directory_unchanged(
    staff: Staff,
) -> None:
    admin = staff.bearer(Role.admin)
    facility = {
        "id": "county-hospital",
        "name": "County Hospital",
        "tier": "secondary",
        "region_code": "R1",
        "lon": 104.0,
        "lat": 30.6,
        "beds": 20,
        "capacity": 100,
    }
    before = stored(staff, "facilities", "audit")
    for field, value in (("beds", 2**63), ("capacity", 10**30), ("beds", 100_001)):
        response = staff.client.put(
            "/api/v1/facilities/county-hospital", json=facility | {field: value}, headers=admin
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"].startswith(f"{field}: Input should be less than or equal to")
        assert f"(got {value})" in response.json()["error"]
    assert stored(staff, "facilities", "audit") == before
    fine = staff.client.put(
        "/api/v1/facilities/county-hospital", json=facility | {"beds": 4300}, headers=admin
    )
    assert fine.status_code == 200 and fine.json()["beds"] == 4300, fine.text
