"""A reading sent to the API without a unit was read in its code's own unit whatever the value: a
glucose of 30 became 30 mmol/L (severe hyperglycaemia) where the client may have meant 30 mg/dL
(1.7 mmol/L, severe hypoglycaemia), and the answer did not say which was read. Now a value that
another unit the code takes makes plausible too is a 422 naming ``observations[i].unit``, nothing
stored; a value only one unit makes plausible (an SpO2, a systolic of 120) is read as before. Real
uvicorn on a real SQLite file; every answer checked against /openapi.json."""

from __future__ import annotations

from tests.service.openapi_check import conforms
from tests.service.served import Served, served
from triage.service.auth import Role

__all__ = ["served"]


def _walk_in(mrn: str, *readings: dict[str, object]) -> dict[str, object]:
    return {"patient": {"mrn": mrn}, "age_years": 60, "observations": list(readings)}


def test_a_reading_whose_unit_is_ambiguous_is_refused_naming_its_unit(served: Served) -> None:
    sync, nurse = served.sync, served.headers(Role.nurse)
    spo2 = {"code": "spo2", "value": 97}
    glucose = {"code": "glucose_random", "value": 30}
    refused = sync.client.post("/api/v1/assessments", json=_walk_in("UNIT-1", spo2, glucose), headers=nurse)
    conforms(sync.document, refused)
    assert refused.status_code == 422, refused.text
    said = refused.json()
    assert said["fields"] == ["observations[1].unit"], said
    assert "30 mmol/L" in said["error"] and "30 mg/dL (1.7 mmol/L)" in said["error"], said
    db = served.app.state.runtime.databases.get()
    assert db.conn.execute("SELECT count(*) FROM patients WHERE mrn = 'UNIT-1'").fetchone()[0] == 0
    # the unit given: stored and assessed in it; a value one unit alone makes plausible: as before
    given = sync.call(
        "POST", "/api/v1/assessments", Role.nurse, _walk_in("UNIT-1", spo2, glucose | {"unit": "mg/dL"})
    )
    used = {o["code"]: o for o in given["assessment"]["observations_used"]}
    assert used["glucose_random"]["value"] < 2 and used["glucose_random"]["unit"] == "mmol/L"
    plain = sync.call(
        "POST", "/api/v1/assessments", Role.nurse, _walk_in("UNIT-2", spo2, {"code": "sbp", "value": 120})
    )
    assert {o["code"] for o in plain["assessment"]["observations_used"]} >= {"spo2", "sbp"}
    # a reading added to a visit is refused alike
    added = sync.client.post(
        f"/api/v1/encounters/{plain['encounter_id']}/observations",
        json=[{"code": "weight", "value": 70}],
        headers=nurse,
    )
    conforms(sync.document, added)
    assert added.status_code == 422 and added.json()["fields"] == ["body[0].unit"], added.text
