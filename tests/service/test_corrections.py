"""Device corrections of results already stored as observations: real service, real SQLite file,
the real inbox and the real pipeline (``DevicePipeline.handle`` with the gateway's own ``classify``).

A lab corrects a glucose of 28.0 mmol/L to 6.2: the correction replaces the original in the
decision, the original stays stored and visible, the change is audited, the encounter is
re-assessed. A correction triage rejects withdraws the original and is held for a person.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from devices.gateway import classify
from referral import audit
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message
from tests.service.conftest import Staff
from tests.service.test_held_results import assign, dismiss, held, open_encounter
from triage.service.auth import Role
from triage.service.pipeline import DevicePipeline

ANALYZER = "lab-analyzer"
MRN = "MRN-GLU-1"


def result(
    value: str, status: str = "final", *, patient_id: str | None = MRN, at: str = ""
) -> NewDeviceResult:
    return NewDeviceResult(
        device_id=ANALYZER,
        sample_id="S-100",
        vendor_code="GLU",
        result_time=at or RESULT_TIME,
        status=status,
        is_qc=False,
        patient_id=patient_id,
        code="glucose_random",
        value=value,
        value_num=float(value),
        unit="mmol/L",
    )


RESULT_TIME = datetime.now().astimezone().replace(microsecond=0).isoformat()


def deliver(staff: Staff, *results: NewDeviceResult) -> list[int]:
    """Store one analyzer message in the inbox and hand what it stored to the service's pipeline,
    as the gateway does; returns the stored (new or replaced) result ids."""
    runtime = staff.app.state.runtime
    db = runtime.databases.get()
    message = NewDeviceMessage(device_id=ANALYZER, session_id="s1", protocol="astm", raw=b"H|\\^&|||LAB")
    stored = record_message(db, message, results).new_results
    DevicePipeline(runtime, runtime.extras["clinic"]).handle([classify(r) for r in stored])
    return [r.id for r in stored]


def rows(staff: Staff, sql: str, *params: Any) -> list[dict[str, Any]]:
    return list(staff.app.state.runtime.databases.get().query(sql, list(params)))


def used_glucose(staff: Staff, encounter_id: int) -> list[Any]:
    """The glucose values the encounter's latest assessment was computed from."""
    (latest,) = rows(
        staff, "SELECT payload FROM assessments WHERE encounter_id = ? ORDER BY id DESC LIMIT 1", encounter_id
    )
    payload = json.loads(latest["payload"])
    return [o["value"] for o in payload["observations_used"] if o["code"] == "glucose_random"]


def red_flags(staff: Staff, encounter_id: int) -> list[str]:
    (latest,) = rows(
        staff,
        "SELECT red_flags FROM assessments WHERE encounter_id = ? ORDER BY id DESC LIMIT 1",
        encounter_id,
    )
    return list(json.loads(latest["red_flags"]))


def page(staff: Staff, encounter_id: int) -> str:
    response = staff.client.get(f"/encounters/{encounter_id}", headers=staff.bearer(Role.clinician))
    assert response.status_code == 200, response.text
    return response.text


def actions(staff: Staff, encounter_id: int) -> list[str]:
    db = staff.app.state.runtime.databases.get()
    return [e["action"] for e in audit.entries_for(db, "encounter", encounter_id)]


def test_a_device_correction_replaces_the_stored_reading_in_the_decision(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    encounter_id = int(encounter["encounter_id"])
    assert used_glucose(staff, encounter_id) == [28.0]
    assert red_flags(staff, encounter_id) == ["glucose_critical_high"]

    assert deliver(staff, result("6.2", "corrected")) == [result_id], "the inbox replaces the row"
    assert used_glucose(staff, encounter_id) == [6.2], "the corrected value drives the decision"
    assert red_flags(staff, encounter_id) == []

    stored = rows(staff, "SELECT id, value_num, status, device_message_id FROM observations ORDER BY id")
    original, corrected = stored
    assert (original["value_num"], original["status"]) == (28.0, "final"), "the original is kept as it was"
    assert (corrected["value_num"], corrected["status"]) == (6.2, "corrected")
    assert original["device_message_id"] == corrected["device_message_id"] == f"inbox:{result_id}"
    (correction,) = rows(staff, "SELECT * FROM observation_corrections")
    assert (correction["replaces_id"], correction["correction_id"], correction["state"]) == (
        original["id"],
        corrected["id"],
        "applied",
    )
    assert (correction["old_value"], correction["new_value"]) == ("28.0 mmol/L", "6.2 mmol/L")
    # The correction, its observation and the new assessment: one transaction, audited in order.
    assert [r["action"] for r in rows(staff, "SELECT action FROM audit ORDER BY seq DESC LIMIT 3")][::-1] == [
        "observations.create",
        "observation.correct",
        "assessment.create",
    ]
    db = staff.app.state.runtime.databases.get()
    (entry,) = [e for e in audit.entries_for(db, "encounter", encounter_id) if e["action"] == "observation.correct"]
    data = json.loads(entry["data"]) if isinstance(entry["data"], str) else entry["data"]
    assert data["old_value"] == "28.0 mmol/L" and data["new_value"] == "6.2 mmol/L"
    assert data["replaces_observation"] == original["id"] and data["result_id"] == result_id
    assert entry["actor"] == "device-gateway" and audit.verify(db).ok

    text = page(staff, encounter_id)
    assert "corrected by the device at" in text and "replaces 28.0 mmol/L" in text
    assert "replaced by a device correction at" in text and "(6.2 mmol/L); not used" in text
