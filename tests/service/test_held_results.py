"""The held device results worklist through the service: real gateway on ptys, real SQLite file.

An oximeter reading with no association is held; a nurse assigns it to the patient's encounter,
where it becomes an observation and the encounter is re-assessed. An unmapped analyzer code can
be dismissed but never assigned; QC results are counted, never listed; a result is reviewed once.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from devices.link_drivers import endpoint_from_profile
from devices.profile import PROFILE_DIR, ClockSettings, load_profile
from devices.session import MonotonicClock
from devices.simulator import SimulatedDevice, trace_messages
from devices.transports.link import Link, SerialSpec
from devices.transports.pty import open_pty
from referral import audit
from referral.audit_rows import verify_rows
from referral.inbox import NewDeviceMessage, NewDeviceResult, mark_delivered, record_message
from referral.transactions import write
from tests.devices.traces.golden_io import DATA
from tests.service import test_associations
from tests.service.conftest import Staff, copy_seeded, make_settings
from tests.service.test_associations import OXIMETER, Ward
from tests.service.test_pipeline import SERVER_WAIT_S, wait_for
from tests.service.test_roles import routes
from triage.service import create_app
from triage.service.auth import Role
from triage.service.demo import demo_patient
from triage.service.pages.rendering import ident

ward = test_associations.ward  # the same fixture: the demo's devices on ptys and the service

ANALYZER = "lab-analyzer"
SYSMEX = "sysmex-xn550"  # its profile lists 37 of the 41 codes it sends in ignored_codes


def held(staff: Staff, role: Role = Role.nurse, **params: Any) -> Any:
    response = staff.client.get("/api/v1/devices/held", params=params, headers=staff.bearer(role))
    assert response.status_code == 200, response.text
    return response.json()


def assign(
    staff: Staff, result_id: int, encounter_id: int, reason: str = "hers", role: Role = Role.nurse
) -> Any:
    return staff.client.post(
        f"/api/v1/devices/results/{result_id}/assign",
        json={"encounter_id": encounter_id, "reason": reason},
        headers=staff.bearer(role),
    )


def dismiss(staff: Staff, result_id: int, reason: str = "test strip", role: Role = Role.nurse) -> Any:
    return staff.client.post(
        f"/api/v1/devices/results/{result_id}/dismiss", json={"reason": reason}, headers=staff.bearer(role)
    )


def settled(ward: Ward, timeout_s: float = SERVER_WAIT_S) -> None:
    """Every stored device result handed to triage (the pipeline has finished with them)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not ward.rows("SELECT id FROM device_results WHERE delivered_at IS NULL"):
            return
        time.sleep(0.05)
    raise AssertionError("device results were not delivered to triage in time")


def lab_result(
    vendor: str, *, code: str | None, sample: str, status: str = "final", qc: bool = False
) -> NewDeviceResult:
    return NewDeviceResult(
        device_id=ANALYZER,
        sample_id=sample,
        vendor_code=vendor,
        result_time="2026-11-25T09:00:00+08:00",
        status=status,
        is_qc=qc,
        code=code,
        value="7.4",
        value_num=7.4,
        unit="mmol/L",
    )


class Service(Protocol):
    """A service a test runs: in process (:class:`Staff`) or behind uvicorn (a browser test's desk)."""

    app: FastAPI


def lab_message(staff: Service, *results: NewDeviceResult) -> list[int]:
    """An ASTM analyzer's message as the gateway stores it (analyzer not run by this service)."""
    db = staff.app.state.runtime.databases.get()
    message = NewDeviceMessage(device_id=ANALYZER, session_id="s1", protocol="astm", raw=b"H|\\^&|||LAB")
    stored = record_message(db, message, results).new_results
    mark_delivered(db, [r.id for r in stored])
    return [r.id for r in stored]


def open_encounter(staff: Staff, mrn: str) -> int:
    headers = staff.bearer(Role.nurse)
    assert staff.client.post("/api/v1/patients", json={"mrn": mrn}, headers=headers).status_code == 201
    opened = staff.client.post("/api/v1/encounters", json={"mrn": mrn}, headers=headers)
    assert opened.status_code == 201, opened.text
    return int(opened.json()["id"])


def test_unattached_oximeter_reading_is_held_then_assigned_and_assessed(ward: Ward) -> None:
    measured = demo_patient(21, random.Random(21))
    encounter_id = ward.encounter(measured.mrn)
    ward.measure(measured, 1)  # nobody attached the oximeter: its two readings are held
    wait_for(lambda: ward.rows("SELECT id FROM device_results WHERE device_id = ?", OXIMETER), 2)
    settled(ward)
    listed = held(ward.staff)
    rows = {r["code"]: r for r in listed["data"] if r["device_id"] == OXIMETER}
    assert set(rows) == {"spo2", "heart_rate"} and listed["by_device"] == {OXIMETER: 2}
    assert rows["spo2"]["why"] == ["no_patient_link"] and rows["spo2"]["assignable"] is True
    assert listed["total"] == 2 and listed["qc_by_device"] == {}
    before = ward.rows("SELECT id FROM assessments WHERE encounter_id = ?", encounter_id)
    assert not ward.rows("SELECT id FROM observations WHERE device = ?", OXIMETER)

    spo2 = rows["spo2"]["id"]
    done = assign(ward.staff, spo2, encounter_id, reason="oximeter was on Mrs X, not attached")
    assert done.status_code == 201, done.text
    body = done.json()
    stored = ward.rows("SELECT * FROM observations WHERE device = ?", OXIMETER)
    assert [
        (o["id"], o["encounter_id"], o["code"], o["value_num"], o["device_message_id"]) for o in stored
    ] == [(body["observation_id"], encounter_id, "spo2", measured.oximeter["spo2"], f"inbox:{spo2}")]
    after = ward.rows("SELECT * FROM assessments WHERE encounter_id = ? ORDER BY id", encounter_id)
    assert len(after) == len(before) + 1 and after[-1]["id"] == body["assessment_id"]
    assert after[-1]["created_by"] == "nurse" and body["disposition"] == after[-1]["disposition"]
    detail = ward.staff.client.get(
        f"/api/v1/encounters/{encounter_id}", headers=ward.staff.bearer(Role.clinician)
    )
    readings = {(o["id"], o["device"]) for o in detail.json()["observations"]}
    assert (body["observation_id"], OXIMETER) in readings, "the reading appears in the encounter"
    assert detail.json()["assessment"]["id"] == body["assessment_id"]
    assert [r["id"] for r in held(ward.staff)["data"]] == [rows["heart_rate"]["id"]]

    again = assign(ward.staff, spo2, encounter_id)
    assert (
        again.status_code == 409
        and f"already assigned to encounter {encounter_id} by nurse" in again.json()["error"]
    )
    assert dismiss(ward.staff, spo2).status_code == 409
    assert dismiss(ward.staff, rows["heart_rate"]["id"], reason="   ").status_code == 422
    gone = dismiss(ward.staff, rows["heart_rate"]["id"], reason="probe fell off, reading not hers")
    assert gone.status_code == 200 and gone.json()["state"] == "dismissed"
    assert held(ward.staff)["data"] == []
    actions = [e["action"] for e in audit.entries_for(ward.db, "device_result", spo2)]
    assert actions == ["device_result.assign", "device_result.observation"]  # the observation it became
    assert audit.verify(ward.db).ok
    assert verify_rows(ward.db).ok, "the reviews and the observation match the trail"


def test_unmapped_code_can_only_be_dismissed_and_qc_is_only_counted(staff: Staff) -> None:
    encounter_id = open_encounter(staff, "MRN-LAB")
    unmapped, preliminary, qc = lab_message(
        staff,
        lab_result("XGLU", code=None, sample="L1"),
        lab_result("GLU", code="glucose_random", sample="L2", status="preliminary"),
        lab_result("GLU", code="glucose_random", sample="QC1", qc=True),
    )
    listed = held(staff)
    assert [r["id"] for r in listed["data"]] == [preliminary, unmapped]
    assert listed["qc_by_device"] == {ANALYZER: 1} and listed["by_device"] == {ANALYZER: 2}
    by_id = {r["id"]: r for r in listed["data"]}
    assert by_id[unmapped]["why"] == ["unmapped", "no_patient_link"] and not by_id[unmapped]["assignable"]
    assert by_id[preliminary]["why"] == ["not_final", "no_patient_link"]

    refused = assign(staff, unmapped, encounter_id)
    assert refused.status_code == 422 and '"XGLU" is not mapped to the vocabulary' in refused.json()["error"]
    not_final = assign(staff, preliminary, encounter_id)
    assert not_final.status_code == 422 and 'status "preliminary" is not final' in not_final.json()["error"]
    assert assign(staff, qc, encounter_id).status_code == 409
    missing = assign(staff, 987654, encounter_id)
    assert missing.status_code == 404 and "device result 987654" in missing.json()["error"]
    assert assign(staff, preliminary, 424242).status_code == 422, "not final is checked first"
    assert dismiss(staff, unmapped, reason="").status_code == 422
    assert dismiss(staff, unmapped).status_code == 200
    second = dismiss(staff, unmapped, reason="again")
    assert second.status_code == 409 and "already dismissed by nurse" in second.json()["error"]
    assert [r["id"] for r in held(staff)["data"]] == [preliminary]
    db = staff.app.state.runtime.databases.get()
    assert db.execute("SELECT count(*) FROM observations").fetchone()[0] == 0


def test_unknown_encounter_is_a_404(staff: Staff) -> None:
    (result_id,) = lab_message(staff, lab_result("GLU", code="glucose_random", sample="L9"))
    missing = assign(staff, result_id, 424242)
    assert missing.status_code == 404 and "encounter 424242 not found" in missing.json()["error"]
    assert [r["id"] for r in held(staff)["data"]] == [result_id], "nothing recorded"


@pytest.mark.parametrize("role", list(Role))
def test_who_may_read_assign_and_dismiss(staff: Staff, role: Role) -> None:
    encounter_id = open_encounter(staff, f"MRN-{role.value}")
    first, second = lab_message(
        staff,
        lab_result("GLU", code="glucose_random", sample="P1"),
        lab_result("GLU", code="glucose_random", sample="P2", status="preliminary"),
    )
    db = staff.app.state.runtime.databases.get()
    db.execute("UPDATE device_results SET patient_id = ? WHERE id = ?", [f"MRN-{role.value}", second])
    db.conn.commit()
    writes = role in (Role.nurse, Role.clinician, Role.admin)
    reads = writes or role is Role.integrator
    response = staff.client.get("/api/v1/devices/held", headers=staff.bearer(role))
    assert response.status_code == (200 if reads else 403)
    if reads:
        patient_ids = {r["id"]: r["patient_id"] for r in response.json()["data"]}
        assert patient_ids[second] == (None if role is Role.integrator else f"MRN-{role.value}")
    assert assign(staff, first, encounter_id, role=role).status_code == (201 if writes else 403)
    assert dismiss(staff, second, role=role).status_code == (200 if writes else 403)


def test_new_routes_are_in_the_role_matrix(staff: Staff) -> None:
    table = {(method, path): set(roles or ()) for method, path, roles in routes(staff)}
    writers = {Role.clinician, Role.nurse, Role.admin}
    assert table[("GET", "/api/v1/devices/held")] == writers | {Role.integrator}
    assert table[("POST", "/api/v1/devices/results/{result_id}/assign")] == writers
    assert table[("POST", "/api/v1/devices/results/{result_id}/dismiss")] == writers
    assert table[("POST", "/devices/results/{result_id}/assign")] == writers
    assert table[("POST", "/devices/results/{result_id}/dismiss")] == writers
    # the section alone, re-read by the devices page: whoever may open the page may read it
    assert table[("GET", "/devices/held")] == table[("GET", "/devices/rows")] == table[("GET", "/devices")]


def test_devices_page_held_section_with_csrf_in_both_languages(staff: Staff) -> None:
    encounter_id = open_encounter(staff, "MRN-DESK")
    glucose, unmapped, _ = lab_message(
        staff,
        lab_result("GLU", code="glucose_random", sample="D1"),
        lab_result("XGLU", code=None, sample="D2"),
        lab_result("GLU", code="glucose_random", sample="QC2", qc=True),
    )
    client = staff.client
    csrf = staff.login(Role.nurse)
    page = client.get("/devices").text
    section = page.split('id="held"')[1]
    assert (
        "Held results" in section
        and f"{ident(ANALYZER, 'device-id')}: 2 held" in section
        and f"{ident(ANALYZER, 'device-id')}: 1 QC results" in section
    )
    row = section.split(f'data-result="{glucose}"')[1].split("</tr>")[0]
    assert "D1" in row and "7.4 mmol/L" in row and "No patient link" in row
    assert f'<option value="{encounter_id}">\u2068MRN-DESK\u2069 · Encounter #{encounter_id} · ' in row
    unmapped_row = section.split(f'data-result="{unmapped}"')[1].split("</tr>")[0]
    assert (
        "Code not mapped" in unmapped_row
        and "assign-form" not in unmapped_row
        and "dismiss-form" in unmapped_row
    )
    assert "QC2" not in section
    fragment = client.get("/devices/held").text  # what the page re-reads while nobody types in it
    assert fragment.lstrip().startswith('<section id="held"') and "<html" not in fragment
    assert f'data-result="{glucose}"' in fragment and f'data-result="{unmapped}"' in fragment

    url = f"/devices/results/{glucose}/assign"
    assert client.post(url, data={"encounter_id": str(encounter_id), "reason": "hers"}).status_code == 403
    empty = client.post(url, data={"csrf_token": csrf, "encounter_id": "", "reason": "hers"})
    assert empty.status_code == 422 and "choose the encounter" in empty.text
    done = client.post(
        url,
        data={"csrf_token": csrf, "encounter_id": str(encounter_id), "reason": "label torn"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/devices"
    db = staff.app.state.runtime.databases.get()
    assert db.execute(
        "SELECT encounter_id FROM observations WHERE device_message_id = ?", [f"inbox:{glucose}"]
    ).fetchone() == (encounter_id,)
    patient_page = client.get(f"/encounters/{encounter_id}").text
    assert f"held device result assigned to this patient by {ident('nurse')}: label torn" in patient_page
    no_reason = client.post(f"/devices/results/{unmapped}/dismiss", data={"csrf_token": csrf, "reason": " "})
    assert no_reason.status_code == 422 and "&#34;reason&#34; is empty" in no_reason.text

    switched = client.post("/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False)
    assert switched.status_code == 303
    chinese = client.get("/devices").text.split('id="held"')[1]
    assert "待处理结果" in chinese and "代码未映射到词表" in chinese and "作废" in chinese
    gone = client.post(
        f"/devices/results/{unmapped}/dismiss",
        data={"csrf_token": csrf, "reason": "试纸"},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert "没有待处理结果" in client.get("/devices").text

    lab_message(staff, lab_result("GLU", code="glucose_random", sample="D3"))
    client.cookies.clear()
    integrator = client.get("/devices", headers=staff.bearer(Role.integrator)).text.split('id="held"')[1]
    assert "D3" in integrator and "assign-form" not in integrator and "dismiss-form" not in integrator


def test_a_value_triage_rejected_stays_held_when_assigning_fails(staff: Staff) -> None:
    encounter_id = open_encounter(staff, "MRN-ODD")
    implausible = NewDeviceResult(
        device_id=ANALYZER,
        sample_id="O1",
        vendor_code="GLU",
        result_time="2026-11-25T09:00:00+08:00",
        status="final",
        is_qc=False,
        patient_id="MRN-ODD",
        code="glucose_random",
        value="600",
        value_num=600.0,
        unit="mmol/L",
    )
    (result_id,) = lab_message(staff, implausible)
    (row,) = held(staff)["data"]
    assert row["id"] == result_id and row["why"] == ["not_accepted"] and row["patient_id"] == "MRN-ODD"
    refused = assign(staff, result_id, encounter_id)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == (
        f"device result {result_id} cannot be stored as an observation: glucose_random: value 600 mmol/L"
        " is outside the plausible range 0.5-60 mmol/L - dismiss it"
    )
    assert [r["id"] for r in held(staff)["data"]] == [result_id], "the refused assignment recorded nothing"
    db = staff.app.state.runtime.databases.get()
    assert db.execute("SELECT count(*) FROM device_result_reviews").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM observations").fetchone()[0] == 0
    assert dismiss(staff, result_id, reason="analyser fault, sample repeated").status_code == 200


def test_an_assigned_low_spo2_proposes_a_referral_by_the_nurse(staff: Staff) -> None:
    encounter_id = open_encounter(staff, "MRN-LOW")
    low = NewDeviceResult(
        device_id="ward-oximeter",
        sample_id="",
        vendor_code="SPO2",
        result_time="received 2026-11-25T02:10:00+00:00",
        status="final",
        is_qc=False,
        code="spo2",
        value="84",
        value_num=84.0,
        unit="%",
    )
    db = staff.app.state.runtime.databases.get()
    message = NewDeviceMessage(device_id="ward-oximeter", session_id="s", protocol="line", raw=b"SPO2=084")
    (stored,) = record_message(db, message, [low]).new_results
    done = assign(staff, stored.id, encounter_id, reason="probe on her finger, not attached")
    assert done.status_code == 201, done.text
    body = done.json()
    assert (
        body["disposition"] in ("emergency_transfer", "urgent_referral") and body["referral_id"] is not None
    )
    referral = db.execute(
        "SELECT encounter_id, status, created_by FROM referrals WHERE id = ?", [body["referral_id"]]
    ).fetchone()
    assert referral == (encounter_id, "proposed", "nurse"), "proposed, never sent, by who assigned it"


def test_the_worklist_shows_the_last_30_days_and_reaches_further_with_days(staff: Staff) -> None:
    old, recent = lab_message(
        staff, lab_result("GLU", code=None, sample="OLD"), lab_result("GLU", code=None, sample="NEW")
    )
    db = staff.app.state.runtime.databases.get()
    sixty_days_ago = (datetime.now(UTC) - timedelta(days=60)).isoformat(timespec="microseconds")
    write(
        db,
        lambda d: d.conn.execute(
            "UPDATE device_results SET received_at = ? WHERE id = ?", [sixty_days_ago, old]
        ),
    )
    default = held(staff)
    assert default["days"] == 30 and [r["id"] for r in default["data"]] == [recent]
    assert default["total"] == 1
    wider = held(staff, days=90)
    assert {r["id"] for r in wider["data"]} == {old, recent} and wider["total"] == 2
    refused = staff.client.get("/api/v1/devices/held", params={"days": 0}, headers=staff.bearer(Role.nurse))
    assert refused.status_code == 422
    page = staff.client.get("/devices", headers=staff.bearer(Role.nurse)).text
    assert f'data-result="{recent}"' in page and f'data-result="{old}"' not in page
    assert "last 30 days" in page


def test_codes_the_profile_ignores_are_stored_but_not_held_for_nurses(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    """A Sysmex XN-550 sends 41 results per sample; its profile maps 4 and lists the other 37 in
    ignored_codes. The worklist listed those 37 as 'code not mapped' rows, burying the results a
    nurse must review. The real capture over a pty into the service's gateway and SQLite file:
    the mapped four reach triage, the ignored 37 are stored and counted apart
    (``ignored_by_device``), never held; only the result that needs a person is listed."""
    tokens = copy_seeded(seeded, tmp_path)
    # the capture was recorded in 2024: a live gateway holds results timed more than [clock]
    # max_age before they arrive (devices.device_clock), so this replay allows ten years
    profile = load_profile(PROFILE_DIR / f"{SYSMEX}.toml")
    profile = profile.model_copy(update={"clock": ClockSettings(max_age=3650 * 86400)})
    pty = open_pty()
    endpoint = endpoint_from_profile(
        profile, clock=MonotonicClock(), transport=SerialSpec(url=pty.slave_path)
    )
    messages = trace_messages((DATA / f"{SYSMEX}.astm").read_bytes(), "astm")
    app = create_app(make_settings(tmp_path), device_endpoints=[endpoint])

    async def play() -> None:
        async def connect() -> Link:
            return pty

        device = SimulatedDevice("astm-analyzer", connect, messages, profile=profile, close_when_done=False)
        assert (await asyncio.wait_for(device.run(), 20)).unacknowledged == 0

    with TestClient(app) as client:
        staff = Staff(app, client, tokens)
        db = app.state.runtime.databases.get()
        asyncio.run(play())
        stored = wait_for(
            lambda: list(db.query("SELECT * FROM device_results WHERE device_id = ?", [SYSMEX])), 41
        )
        settle = time.monotonic() + SERVER_WAIT_S
        while db.execute("SELECT count(*) FROM device_results WHERE delivered_at IS NULL").fetchone()[0]:
            assert time.monotonic() < settle, "device results were not delivered to triage in time"
            time.sleep(0.05)
        ignored = {r["id"] for r in stored if r["code"] is None}
        assert len(ignored) == 37 and all(
            "ignored_by_profile" in r["flags"].split(",") for r in stored if r["id"] in ignored
        )
        mapped = {r["id"] for r in stored} - ignored
        readings = db.query("SELECT device_message_id, code FROM observations WHERE device = ?", [SYSMEX])
        assert {(r["device_message_id"], r["code"]) for r in readings} == {
            (f"inbox:{r['id']}", r["code"]) for r in stored if r["id"] in mapped
        }, "the four mapped results (patient 37182) reached triage by themselves"
        # beside them, one result that does need a person: a code no profile maps
        (unmapped,) = lab_message(staff, lab_result("XGLU", code=None, sample="L9"))
        listed = held(staff)
        assert [r["id"] for r in listed["data"]] == [unmapped]
        assert listed["total"] == 1 and listed["by_device"] == {ANALYZER: 1}
        assert listed["ignored_by_device"] == {SYSMEX: 37} and listed["qc_by_device"] == {}
        assert held(staff, Role.integrator)["ignored_by_device"] == {SYSMEX: 37}
        staff.login(Role.nurse)
        section = client.get("/devices").text.split('id="held"')[1]
        assert (
            f"{ident(ANALYZER, 'device-id')}: 1 held" in section
            and f"{ident(SYSMEX, 'device-id')}: " in section
        )
        assert section.count("data-result=") == 1 and f'data-result="{unmapped}"' in section
        assert (
            f"{ident(SYSMEX, 'device-id')}: 37 results ignored by the profile (stored, not listed)" in section
        )
    asyncio.run(pty.close())


def test_a_held_result_assigned_or_dismissed_again_after_no_answer_is_not_refused(staff: Staff) -> None:
    """The held results' Assign and Dismiss sent again (pressed after app.js said there was no
    answer, the first press recorded) met "This device result was already dealt with by nurse at
    ..."; now they lead where the first did, recorded once. Dealt with otherwise - another
    encounter, another reason - it is still refused."""
    encounter_id = open_encounter(staff, "MRN-AGAIN")
    glucose, unmapped = lab_message(
        staff,
        lab_result("GLU", code="glucose_random", sample="A1"),
        lab_result("XGLU", code=None, sample="A2"),
    )
    csrf = staff.login(Role.nurse)
    assigned = {"csrf_token": csrf, "encounter_id": str(encounter_id), "reason": "label torn"}
    dismissed = {"csrf_token": csrf, "reason": "test strip"}
    for url, form in (
        (f"/devices/results/{glucose}/assign", assigned),
        (f"/devices/results/{unmapped}/dismiss", dismissed),
    ):
        for _press in range(2):
            sent = staff.client.post(url, data=form, follow_redirects=False)
            assert sent.status_code == 303 and sent.headers["location"] == "/devices", sent.text
        other = staff.client.post(url, data={**form, "reason": "another"}, follow_redirects=False)
        assert other.status_code == 409, url
    db = staff.app.state.runtime.databases.get()
    stored = db.execute("SELECT count(*) FROM observations WHERE device_message_id = ?", [f"inbox:{glucose}"])
    assert stored.fetchone() == (1,)
