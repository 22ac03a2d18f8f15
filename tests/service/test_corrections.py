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
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message, results_for_device
from tests.service.conftest import Staff, unspanned
from tests.service.test_held_results import assign, dismiss, held, open_encounter
from triage.service.auth import Role
from triage.service.pages.rendering import ident
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


def last_actions(staff: Staff, count: int) -> list[str]:
    """The audit trail's last ``count`` actions, oldest first."""
    return [r["action"] for r in rows(staff, "SELECT action FROM audit ORDER BY seq DESC LIMIT ?", count)][
        ::-1
    ]


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
    """The patient page as shown: values with their units out of their spans (:func:`unspanned`)."""
    response = staff.client.get(f"/encounters/{encounter_id}", headers=staff.bearer(Role.clinician))
    assert response.status_code == 200, response.text
    return unspanned(response.text)


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
    # The correction, its observation, the new assessment and the flag on the referral proposed
    # from 28.0 (tests/service/test_referral_basis.py): one transaction, audited in order.
    assert last_actions(staff, 4) == [
        "observations.create",
        "observation.correct",
        "assessment.create",
        "referral.basis_changed",
    ]
    db = staff.app.state.runtime.databases.get()
    (entry,) = [
        e for e in audit.entries_for(db, "encounter", encounter_id) if e["action"] == "observation.correct"
    ]
    data = json.loads(entry["data"]) if isinstance(entry["data"], str) else entry["data"]
    assert data["old_value"] == "28.0 mmol/L" and data["new_value"] == "6.2 mmol/L"
    assert data["replaces_observation"] == original["id"] and data["result_id"] == result_id
    assert entry["actor"] == "device-gateway" and audit.verify(db).ok

    detail = staff.client.get(
        f"/api/v1/encounters/{encounter_id}", headers=staff.bearer(Role.clinician)
    ).json()
    assert [(o["value_num"], o["in_force"]) for o in detail["observations"]] == [(28.0, False), (6.2, True)]
    text = page(staff, encounter_id)
    assert "corrected by the device at" in text and "replaces 28 mmol/L" in text
    assert "replaced by a device correction at" in text and "(6.2 mmol/L); not used" in text


def test_a_correction_that_does_not_change_the_value_is_not_a_new_event(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("6.2"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    encounter_id = int(encounter["encounter_id"])
    before = len(rows(staff, "SELECT seq FROM audit"))
    # Status C, same value: the inbox hands the row over again, but nothing about the patient changed.
    assert deliver(staff, result("6.2", "corrected")) == [result_id]
    assert len(rows(staff, "SELECT id FROM observations")) == 1
    assert not rows(staff, "SELECT id FROM observation_corrections")
    assert "observation.correct" not in actions(staff, encounter_id)

    deliver(staff, result("2.8", "corrected"))
    after = len(rows(staff, "SELECT seq FROM audit"))
    assessments = len(rows(staff, "SELECT id FROM assessments"))
    # The same correction handed over again (a crash before it was marked delivered): nothing new.
    runtime = staff.app.state.runtime
    db = runtime.databases.get()
    (again,) = [classify(r) for r in results_by_id(staff, result_id)]
    DevicePipeline(runtime, runtime.extras["clinic"]).handle([again])
    assert len(rows(staff, "SELECT seq FROM audit")) == after
    assert len(rows(staff, "SELECT id FROM assessments")) == assessments
    assert [r["new_value"] for r in rows(staff, "SELECT new_value FROM observation_corrections")] == [
        "2.8 mmol/L"
    ]
    assert used_glucose(staff, encounter_id) == [2.8] and before < after
    assert audit.verify(db).ok


def results_by_id(staff: Staff, result_id: int) -> list[Any]:
    db = staff.app.state.runtime.databases.get()
    return [r for r in results_for_device(db, ANALYZER) if r.id == result_id]


def test_a_correction_that_raises_urgency_proposes_a_referral(staff: Staff) -> None:
    deliver(staff, result("6.2"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    assert not rows(staff, "SELECT id FROM referrals")
    deliver(staff, result("28.0", "corrected"))
    (referral,) = rows(staff, "SELECT * FROM referrals")
    assert referral["status"] == "proposed" and referral["encounter_id"] == encounter["encounter_id"]
    assert referral["created_by"] == "device-gateway"


def test_a_rejected_correction_withdraws_the_reading_and_is_held_for_review(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("6.2"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    encounter_id = int(encounter["encounter_id"])
    assert red_flags(staff, encounter_id) == []
    deliver(staff, result("80", "corrected"))  # outside the plausible range (0.5-60 mmol/L)
    # The device said 6.2 was wrong: it no longer counts, and nothing replaces it.
    assert used_glucose(staff, encounter_id) == []
    assert len(rows(staff, "SELECT id FROM observations")) == 1, "the rejected value is not an observation"
    (correction,) = rows(staff, "SELECT * FROM observation_corrections")
    assert correction["state"] == "held" and correction["correction_id"] is None
    assert (
        correction["new_value"] == "80 mmol/L"
        and "triage rejected the corrected value" in correction["held_reason"]
    )
    assert "observation.correction_held" in actions(staff, encounter_id)
    text = page(staff, encounter_id)
    assert "Device correction held for review: glucose_random" in text and "80 mmol/L" in text
    assert "not used: the device corrected this reading" in text

    listed = held(staff)
    (row,) = [r for r in listed["data"] if r["id"] == result_id]
    assert row["why"] == ["correction_rejected"] and row["assignable"] is False
    refused = assign(staff, result_id, encounter_id)
    assert refused.status_code == 409 and "dismiss the correction" in refused.json()["error"]
    done = dismiss(staff, result_id, reason="analyzer fault, sample re-run")
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "dismissed" and done.json()["encounter_id"] == encounter_id
    assert result_id not in [r["id"] for r in held(staff)["data"]]
    assert dismiss(staff, result_id).status_code == 409, "reviewed once"
    assert used_glucose(staff, encounter_id) == [], "a dismissed correction does not bring the old value back"
    text = page(staff, encounter_id)
    assert "Device correction held for review" not in text
    assert f"correction dismissed by {ident('nurse')}: analyzer fault, sample re-run" in text
    assert "observation.correction_dismiss" in actions(staff, encounter_id)

    # A usable correction later: applied, the reading is back in the decision.
    deliver(staff, result("5.9", "corrected"))
    assert used_glucose(staff, encounter_id) == [5.9]
    states = [
        (r["state"], r["replaces_id"])
        for r in rows(staff, "SELECT * FROM observation_corrections ORDER BY id")
    ]
    assert states == [("held", correction["replaces_id"]), ("applied", None)]


def test_a_correction_naming_another_patient_is_held(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("6.2"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    deliver(staff, result("5.1", "corrected", patient_id="MRN-OTHER"))
    (correction,) = rows(staff, "SELECT * FROM observation_corrections")
    assert correction["state"] == "held" and correction["held_reason"] == (
        "device correction names another patient than the stored reading"
    )
    assert used_glucose(staff, int(encounter["encounter_id"])) == []
    assert not rows(staff, "SELECT id FROM patients WHERE mrn = 'MRN-OTHER'"), (
        "nothing reaches the other patient"
    )
    assert [r["why"] for r in held(staff)["data"] if r["id"] == result_id] == [["correction_rejected"]]


def test_a_correction_of_an_assigned_result_is_applied_to_that_reading(staff: Staff) -> None:
    encounter_id = open_encounter(staff, "MRN-ASSIGNED")
    (result_id,) = deliver(staff, result("28.0", patient_id=None))  # no patient id: held
    assert [r["id"] for r in held(staff)["data"]] == [result_id]
    assert assign(staff, result_id, encounter_id, reason="her sample, label torn").status_code == 201
    assert used_glucose(staff, encounter_id) == [28.0]

    deliver(staff, result("2.8", "corrected", patient_id=None))
    assert used_glucose(staff, encounter_id) == [2.8]
    assert not held(staff)["data"], "an applied correction is not a held result"
    text = page(staff, encounter_id)
    assert f"held device result assigned to this patient by {ident('nurse')}: her sample, label torn" in text
    assert "replaces 28 mmol/L" in text
    (correction,) = rows(staff, "SELECT * FROM observation_corrections")
    assert correction["encounter_id"] == encounter_id and correction["state"] == "applied"


def test_a_correction_of_a_held_result_that_never_became_a_reading_stays_held(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0", patient_id=None))
    deliver(staff, result("2.8", "corrected", patient_id=None))
    (row,) = held(staff)["data"]
    assert (row["id"], row["value"], row["why"]) == (result_id, "2.8", ["no_patient_link"])
    assert row["assignable"] is True
    assert not rows(staff, "SELECT id FROM observations") and not rows(
        staff, "SELECT id FROM observation_corrections"
    )


def _held_row(staff: Staff, result_id: int) -> str:
    """The result's row in the devices page's held results table, as shown (:func:`unspanned`)."""
    text = unspanned(staff.client.get("/devices").text)
    return text.split(f'<tr data-result="{result_id}"')[1].split("</tr>")[0]


def test_a_held_result_s_correction_shows_the_value_it_replaced(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0", patient_id=None))
    assert [r["corrected_from"] for r in held(staff)["data"]] == [None], "not a correction"
    deliver(staff, result("2.8", "corrected", patient_id=None))
    deliver(staff, result("3.1", "corrected", patient_id=None))  # corrected twice: the last one before
    (row,) = held(staff)["data"]
    assert (row["id"], row["value"], row["status"]) == (result_id, "3.1", "corrected")
    assert row["corrected_from"] == "2.8 mmol/L" and row["assignable"] is True

    # every version stays in the inbox row and in the audit trail
    (stored,) = results_by_id(staff, result_id)
    assert [(v["value"], v["status"]) for v in stored.details["replaced"]] == [
        ("28.0", "final"),
        ("2.8", "corrected"),
    ]
    db = staff.app.state.runtime.databases.get()
    entries = [
        e
        for e in audit.entries_for(db, "device_result", result_id)
        if e["action"] == "device_result.replaced"
    ]
    changes = [(e["data"]["from"]["value"], e["data"]["to"]["value"]) for e in entries]
    assert changes == [("28.0", "2.8"), ("2.8", "3.1")] and audit.verify(db).ok

    csrf = staff.login(Role.nurse)
    shown = _held_row(staff, result_id)
    assert (
        "3.1 mmol/L" in shown and '<small class="corrected-from">corrected from 2.8 mmol/L</small>' in shown
    )
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    assert "已更正，原值 2.8 mmol/L" in _held_row(staff, result_id)

    # the correction still counts as the result: assigned, the corrected value is the reading
    encounter_id = open_encounter(staff, "MRN-HELD-C")
    assert assign(staff, result_id, encounter_id, reason="her sample").status_code == 201
    assert used_glucose(staff, encounter_id) == [3.1]


def test_a_correction_to_the_same_value_says_nothing_was_corrected(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0", patient_id=None))
    deliver(staff, result("28.0", "corrected", patient_id=None))  # status C, value unchanged
    (row,) = held(staff)["data"]
    assert (row["id"], row["status"], row["corrected_from"]) == (result_id, "corrected", None)
