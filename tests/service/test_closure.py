"""Closing an encounter through the real service on a real SQLite file: the API, the device
gateway's later results, the staff page in both languages, the queue filter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from referral import audit
from tests.service.conftest import WALK_IN, Staff
from tests.service.test_associations import MONITOR, OXIMETER, Ward, patient
from tests.service.test_associations import ward as ward  # the fixture: a gateway on ptys
from tests.service.test_corrections import deliver, result, rows, used_glucose
from tests.service.test_held_results import assign, settled
from tests.service.test_pipeline import wait_for
from triage.service.auth import Role
from triage.service.pages.rendering import ident


def close(
    staff: Staff,
    encounter_id: int,
    reason: Any = "discharged home",
    role: Role = Role.nurse,
    *,
    without_referral: bool = True,  # the walk-ins here are urgent and not referred (see the guard's test)
) -> Any:
    body = ({} if reason is None else {"reason": reason}) | (
        {"without_referral": True} if without_referral else {}
    )
    return staff.client.post(
        f"/api/v1/encounters/{encounter_id}/close", json=body, headers=staff.bearer(role)
    )


def walk_in(staff: Staff) -> dict[str, Any]:
    """A walk-in assessed through the API (an urgent one: WALK_IN); returns the assessment."""
    response = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_closing_detaches_the_oximeter_and_its_next_readings_are_held(ward: Ward) -> None:
    first, later = patient(1), patient(3)
    encounter_id = ward.encounter(first.mrn)
    attached = ward.attach(OXIMETER, encounter_id).json()
    ward.measure(first, 1)
    wait_for(lambda: ward.rows("SELECT * FROM observations WHERE device = ?", OXIMETER), 2)
    wait_for(lambda: ward.rows("SELECT * FROM observations WHERE device = ?", MONITOR), 6)

    closed = close(ward.staff, encounter_id, reason="  went home  ")
    assert closed.status_code == 200, closed.text
    at_close = len(ward.rows("SELECT id FROM observations WHERE encounter_id = ?", encounter_id))
    body = closed.json()
    assert body["encounter"]["closed_by"] == "nurse" and body["encounter"]["close_reason"] == "went home"
    assert [(a["id"], a["end_reason"], a["active"]) for a in body["ended_associations"]] == [
        (attached["id"], "encounter_closed", False)
    ]
    listed = ward.staff.client.get("/api/v1/devices/associations", headers=ward.staff.bearer(Role.nurse))
    assert listed.json()["count"] == 0

    ward.measure(later, 2)  # the same oximeter, the next person on the bed
    held = wait_for(
        lambda: ward.rows(
            "SELECT * FROM device_results WHERE device_id = ? AND patient_id IS NULL", OXIMETER
        ),
        2,
    )
    assert all("patient_link" not in (r["details"] or "") for r in held)
    settled(ward)
    refused = assign(ward.staff, int(held[0]["id"]), encounter_id)
    assert refused.status_code == 409 and "open a new encounter" in refused.json()["error"], (
        "a held reading cannot be assigned to the closed visit either"
    )
    worklist = ward.staff.client.get("/devices/held", headers=ward.staff.bearer(Role.nurse)).text
    assert f'<option value="{encounter_id}">' not in worklist, "nor is it offered in the assign form"
    on_closed = ward.rows("SELECT * FROM observations WHERE encounter_id = ?", encounter_id)
    assert len(on_closed) == at_close, "nothing reaches the closed visit after the close"
    # The monitor sends the patient's own id: its next results open a new encounter, never the closed one.
    newer = wait_for(
        lambda: ward.rows(
            "SELECT e.id FROM encounters e JOIN patients p ON p.id = e.patient_id"
            " WHERE p.mrn = ? AND e.closed_at IS NULL",
            later.mrn,
        ),
        1,
    )
    assert newer[0]["id"] != encounter_id
    assert audit.verify(ward.db).ok


def test_double_close_unknown_and_bad_reasons(staff: Staff) -> None:
    encounter_id = walk_in(staff)["encounter_id"]
    assert close(staff, 99999).status_code == 404
    assert "cannot close encounter 99999: not found" in close(staff, 99999).json()["error"]
    for reason in (None, "", "   ", "x" * 501):
        refused = close(staff, encounter_id, reason=reason)
        assert refused.status_code == 422, (reason, refused.text)
    assert close(staff, encounter_id).status_code == 200
    again = close(staff, encounter_id, reason="again")
    assert again.status_code == 409
    assert f"encounter {encounter_id} is already closed at" in again.json()["error"]
    assert "by nurse (discharged home)" in again.json()["error"]
    shown = staff.client.get(f"/api/v1/encounters/{encounter_id}", headers=staff.bearer(Role.clinician))
    assert shown.json()["encounter"]["close_reason"] == "discharged home"


def test_an_urgent_visit_with_no_referral_is_closed_only_when_the_nurse_confirms(staff: Staff) -> None:
    """A nurse could close a visit whose decision was an urgent referral, with none made, without
    a word: the patient went home and nobody was told."""
    encounter_id = walk_in(staff)["encounter_id"]
    refused = close(staff, encounter_id, without_referral=False)
    assert refused.status_code == 409 and refused.json()["code"] == "referral_not_made", refused.text
    assert "the decision is emergency_transfer and no referral was made" in refused.json()["error"]
    # the patient page warns and asks for the confirmation, in the nurse's language
    csrf = staff.login(Role.nurse)
    page = staff.client.get(f"/encounters/{encounter_id}").text
    assert (
        "The decision for this visit is EMERGENCY TRANSFER, and no referral has been made: none was sent"
        in page
    )
    assert 'name="without_referral" value="1" required' in page
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    open_page = staff.client.get(f"/encounters/{encounter_id}").text
    assert "本次就诊的处置是紧急转运，但尚未建立转诊：" in open_page and "后复测" in open_page
    unticked = staff.client.post(
        f"/encounters/{encounter_id}/close", data={"csrf_token": csrf, "reason": "went home"}
    )
    assert unticked.status_code == 409 and "请先发送转诊，或勾选" in unticked.text
    ticked = staff.client.post(
        f"/encounters/{encounter_id}/close",
        data={"csrf_token": csrf, "reason": "patient refused transfer", "without_referral": "1"},
        follow_redirects=False,
    )
    assert ticked.status_code == 303, ticked.text
    shown = staff.client.get(f"/api/v1/encounters/{encounter_id}", headers=staff.bearer(Role.clinician))
    assert shown.json()["encounter"]["close_reason"] == "patient refused transfer"
    # a closed visit no longer tells the nurse to recheck the patient ("15 分钟后复测")
    assert "后复测" not in staff.client.get(f"/encounters/{encounter_id}").text


@pytest.mark.parametrize("role", list(Role))
def test_who_may_close(staff: Staff, role: Role) -> None:
    encounter_id = walk_in(staff)["encounter_id"]
    writes = role in (Role.nurse, Role.clinician, Role.admin)
    assert close(staff, encounter_id, role=role).status_code == (200 if writes else 403)


def test_after_the_close_no_new_work_and_referrals_go_on(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    assessment = walk_in(staff)
    encounter_id = assessment["encounter_id"]
    referral = staff.client.post(
        "/api/v1/referrals",
        json={
            "assessment_id": assessment["id"],
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "SpO2 86 % on air",
        },
        headers=doctor,
    ).json()
    assert close(staff, encounter_id, role=Role.clinician).status_code == 200

    assessed = staff.client.post(f"/api/v1/encounters/{encounter_id}/assessments", json={}, headers=doctor)
    assert assessed.status_code == 409
    assert f"encounter {encounter_id} was closed at" in assessed.json()["error"]
    assert "by clinician (discharged home); open a new encounter" in assessed.json()["error"]
    readings = staff.client.post(
        f"/api/v1/encounters/{encounter_id}/observations",
        json=[{"code": "spo2", "value": 97, "unit": "%"}],
        headers=doctor,
    )
    assert readings.status_code == 409 and "new readings" in readings.json()["error"]

    still = staff.client.get(f"/api/v1/referrals/{referral['id']}", headers=doctor).json()
    assert still["status"] == "proposed", "closing the visit does not touch its referral"
    sent = staff.client.post(
        f"/api/v1/referrals/{referral['id']}/status", json={"status": "sent"}, headers=doctor
    )
    assert sent.status_code == 200 and sent.json()["status"] == "sent"

    db = staff.app.state.runtime.databases.get()
    closed = [
        e for e in audit.entries_for(db, "encounter", encounter_id) if e["action"] == "encounter.closed"
    ]
    assert [(e["actor"], e["reason"]) for e in closed] == [("clinician", "discharged home")]
    assert audit.verify(db).ok


def test_the_queue_filters_open_and_closed(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    closed_id = walk_in(staff)["encounter_id"]
    other = dict(WALK_IN, patient={"mrn": "MRN-OPEN"})
    open_id = staff.client.post("/api/v1/assessments", json=other, headers=nurse).json()["encounter_id"]
    close(staff, closed_id)

    def queue(state: str | None) -> list[tuple[int, bool]]:
        params = {} if state is None else {"state": state}
        rows = staff.client.get("/api/v1/queue", params=params, headers=nurse).json()
        return sorted((r["encounter_id"], r["closed_at"] is not None) for r in rows)

    assert queue(None) == queue("all") == sorted([(closed_id, True), (open_id, False)])
    assert queue("open") == [(open_id, False)]
    assert queue("closed") == [(closed_id, True)]
    assert staff.client.get("/api/v1/queue", params={"state": "gone"}, headers=nurse).status_code == 422
    page = staff.client.get("/queue/rows", headers=nurse).text
    row = page.split(f'data-encounter="{closed_id}"')[1].split("</tr>")[0]
    assert "visit closed" in row
    assert "visit closed" not in page.split(f'data-encounter="{open_id}"')[1].split("</tr>")[0]


def test_the_page_closes_the_visit_and_shows_the_banner_in_both_languages(ward: Ward) -> None:
    encounter_id = ward.encounter("MRN-PAGE")
    client = ward.staff.client
    assert ward.attach(OXIMETER, encounter_id).status_code == 201
    csrf = ward.staff.login(Role.nurse)
    page = client.get(f"/encounters/{encounter_id}").text
    assert 'id="close-form"' in page and 'id="closed-banner"' not in page
    assert client.post(f"/encounters/{encounter_id}/close", data={"reason": "x"}).status_code == 403, (
        "no CSRF token, no close"
    )
    empty = client.post(f"/encounters/{encounter_id}/close", data={"csrf_token": csrf, "reason": "  "})
    assert (
        empty.status_code == 422
        and "Please give a reason for closing the visit: the Reason field was empty." in empty.text
    )
    done = client.post(
        f"/encounters/{encounter_id}/close",
        data={"csrf_token": csrf, "reason": "discharged home"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/encounters/{encounter_id}"

    page = client.get(f"/encounters/{encounter_id}").text
    banner = page.split('id="closed-banner"')[1].split("</div>")[0]
    assert (
        "Visit closed" in banner and f"by {ident('nurse')}" in banner and "Reason: discharged home" in banner
    )
    assert f"Devices detached when the visit closed: {ident(OXIMETER, 'device-id')}" in banner
    for form in ("close-form", "reading-form", "assess-form", "attach-form"):
        assert f'id="{form}"' not in page, f"{form} is hidden on a closed visit"
    again = client.post(f"/encounters/{encounter_id}/close", data={"csrf_token": csrf, "reason": "again"})
    assert again.status_code == 409 and "already closed" in again.text

    client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    chinese = client.get(f"/encounters/{encounter_id}").text.split('id="closed-banner"')[1].split("</div>")[0]
    assert (
        "本次就诊已于" in chinese
        and f"由 {ident('nurse')} 结束" in chinese
        and "原因：discharged home" in chinese
    )
    assert f"结束就诊时解除关联的设备：{ident(OXIMETER, 'device-id')}" in chinese


def test_a_clinician_still_decides_on_a_closed_visit(staff: Staff) -> None:
    encounter_id = walk_in(staff)["encounter_id"]
    close(staff, encounter_id)
    staff.login(Role.clinician)
    page = staff.client.get(f"/encounters/{encounter_id}").text
    assert "No device was attached when the visit closed." in page
    assert 'id="close-form"' not in page and 'id="assess-form"' not in page
    assert 'id="override-form"' in page and 'id="refer-form"' in page, (
        "the visit's decision can still be overridden or referred: a referral outlives the visit"
    )


def test_a_device_correction_still_reaches_the_closed_visit_and_new_results_a_new_one(staff: Staff) -> None:
    (result_id,) = deliver(staff, result("28.0"))
    (encounter,) = rows(staff, "SELECT DISTINCT encounter_id FROM observations")
    encounter_id = int(encounter["encounter_id"])
    assert close(staff, encounter_id).status_code == 200

    assert deliver(staff, result("6.2", "corrected")) == [result_id]
    assert used_glucose(staff, encounter_id) == [6.2], (
        "the lab's correction of a reading the visit holds is applied and re-assessed after the close"
    )
    (correction,) = rows(staff, "SELECT encounter_id, state FROM observation_corrections")
    assert (correction["encounter_id"], correction["state"]) == (encounter_id, "applied")

    earlier = (datetime.now().astimezone() - timedelta(minutes=1)).replace(microsecond=0)
    deliver(staff, result("5.1", at=earlier.isoformat()))  # another sample of the same patient
    later = rows(staff, "SELECT DISTINCT encounter_id FROM observations WHERE value_num = 5.1")
    assert [r["encounter_id"] for r in later] != [encounter_id] and len(later) == 1, (
        "a new result for the patient opens a new encounter, never the closed visit"
    )
    (reopened,) = rows(staff, "SELECT closed_at FROM encounters WHERE id = ?", later[0]["encounter_id"])
    assert reopened["closed_at"] is None
