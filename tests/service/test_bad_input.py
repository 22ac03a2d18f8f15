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
