"""Device association through the service: real gateway on ptys, simulators, real SQLite file.

A nurse attaches the pulse oximeter (no patient id on the wire) to a patient's encounter; its
readings then reach that patient's assessment. Results with their own patient id are never moved,
results already held stay held, and detaching stops the linking.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from referral import audit, store
from referral.inbox import NewDeviceMessage, record_message
from referral.records import EncounterIn
from tests.service.conftest import Staff, make_settings
from tests.service.test_pipeline import wait_for
from triage.service import create_app
from triage.service.auth import Role
from triage.service.demo import DemoDevices, DemoPatient, demo_patient
from triage.service.pages.rendering import ident
from triage.settings import DeviceAssociationSettings

OXIMETER = "demo-oximeter"
MONITOR = "demo-monitor"


@dataclass
class Ward:
    staff: Staff
    devices: DemoDevices

    @property
    def db(self) -> Any:
        return self.staff.app.state.runtime.databases.get()

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        return list(self.db.query(sql, list(params)))

    def encounter(self, mrn: str) -> int:
        """Register the patient and open an encounter, as the nurse at the desk."""
        client, headers = self.staff.client, self.staff.bearer(Role.nurse)
        assert client.post("/api/v1/patients", json={"mrn": mrn}, headers=headers).status_code == 201
        opened = client.post("/api/v1/encounters", json={"mrn": mrn}, headers=headers)
        assert opened.status_code == 201, opened.text
        return int(opened.json()["id"])

    def attach(self, device: str, encounter_id: int, role: Role = Role.nurse, **body: Any) -> Any:
        return self.staff.client.post(
            f"/api/v1/devices/{device}/association",
            json={"encounter_id": encounter_id, **body},
            headers=self.staff.bearer(role),
        )

    def detach(self, device: str, reason: str | None, role: Role = Role.nurse) -> Any:
        params = {} if reason is None else {"reason": reason}
        return self.staff.client.delete(
            f"/api/v1/devices/{device}/association", params=params, headers=self.staff.bearer(role)
        )

    def measure(self, patient: DemoPatient, index: int) -> None:
        asyncio.run(self.devices.measure(patient, index))


@pytest.fixture
def ward(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> Iterator[Ward]:
    folder, tokens = seeded
    for name in ("clinic.db", "clinic.db-wal"):
        if (folder / name).exists():
            shutil.copy(folder / name, tmp_path / name)
    devices = DemoDevices()
    app = create_app(make_settings(tmp_path), device_endpoints=devices.endpoints)
    with TestClient(app) as client:
        yield Ward(Staff(app, client, tokens), devices)
    asyncio.run(devices.close())


def patient(index: int) -> DemoPatient:
    return demo_patient(index, random.Random(index))


def test_attached_oximeter_feeds_the_patient_until_detached(ward: Ward) -> None:
    first, second = patient(1), patient(3)
    later = ward.encounter(first.mrn)  # today's visit: results with the patient's id join it
    # the patient's visit still open since yesterday (one open visit a day): the association
    # decides, not "the day's latest encounter"
    since_yesterday = (datetime.now().astimezone() - timedelta(days=1)).isoformat()
    encounter_id = int(
        store.open_encounter(
            ward.db,
            EncounterIn(patient_mrn=first.mrn, started_at=since_yesterday),
            actor="nurse",
            reason="visit still open since yesterday",
        )["id"]
    )
    attached = ward.attach(OXIMETER, encounter_id)
    assert attached.status_code == 201, attached.text
    association = attached.json()
    assert association["active"] and association["started_by"] == "nurse" and association["mrn"] == first.mrn

    ward.measure(first, 1)
    readings = wait_for(lambda: ward.rows("SELECT * FROM observations WHERE device = ?", OXIMETER), 2)
    assert {(r["encounter_id"], r["code"], r["value_num"]) for r in readings} == {
        (encounter_id, "spo2", first.oximeter["spo2"]),
        (encounter_id, "heart_rate", first.oximeter["heart_rate"]),
    }
    stored = ward.rows(
        "SELECT patient_id, details, received_at FROM device_results WHERE device_id = ?", OXIMETER
    )
    observed = {datetime.fromisoformat(r["observed_at"]) for r in readings}
    assert observed == {datetime.fromisoformat(stored[0]["received_at"])}, (
        "no device clock: observed at receipt"
    )
    assert [r["patient_id"] for r in stored] == [first.mrn, first.mrn]
    assert (
        f"patient linked by device association #{association['id']}, started by nurse" in stored[0]["details"]
    )
    monitor = wait_for(lambda: ward.rows("SELECT * FROM observations WHERE device = ?", MONITOR), 6)
    assert {r["encounter_id"] for r in monitor} == {later}, (
        "results with the patient's id join the day's latest encounter as before"
    )
    assessed = wait_for(
        lambda: ward.rows("SELECT * FROM assessments WHERE encounter_id = ?", encounter_id), 1
    )
    assert assessed, "the oximeter's readings reach the patient's assessment"

    page = ward.staff.client.get(
        f"/encounters/{encounter_id}", headers=ward.staff.bearer(Role.clinician)
    ).text
    provenance = f"linked to this patient by device association #{association['id']} ({ident('nurse')})"
    assert page.count(provenance) == 2, "each linked reading shows where its patient link came from"
    assert (
        provenance
        not in ward.staff.client.get(f"/encounters/{later}", headers=ward.staff.bearer(Role.nurse)).text
    )

    ended = ward.detach(OXIMETER, "patient went home")
    assert ended.status_code == 200 and ended.json()["end_reason"] == "patient went home"
    assert ward.detach(OXIMETER, "again").status_code == 404
    ward.measure(second, 2)
    held = wait_for(
        lambda: ward.rows(
            "SELECT * FROM device_results WHERE device_id = ? AND patient_id IS NULL", OXIMETER
        ),
        2,
    )
    assert len(held) == 2, "after detaching, the oximeter's readings are held again"
    delivered = wait_for(
        lambda: ward.rows(
            "SELECT * FROM device_results WHERE device_id = ? AND delivered_at IS NOT NULL", OXIMETER
        ),
        4,
    )
    assert len(delivered) == 4, "the pipeline has seen the held readings"
    assert len(ward.rows("SELECT * FROM observations WHERE device = ?", OXIMETER)) == 2
    actions = [e["action"] for e in audit.entries_for(ward.db, "device_association", association["id"])]
    assert actions == ["device_association.start", "device_result.link", "device_association.end"]
    assert audit.verify(ward.db).ok


def test_conflict_replace_and_clear_errors(ward: Ward) -> None:
    one, two = ward.encounter("MRN-A"), ward.encounter("MRN-B")
    first = ward.attach(OXIMETER, one).json()
    assert ward.attach(OXIMETER, one).json()["id"] == first["id"], "repeating is harmless"
    conflict = ward.attach(OXIMETER, two)
    assert conflict.status_code == 409 and f"already attached to encounter {one}" in conflict.json()["error"]
    moved = ward.attach(OXIMETER, two, replace=True)
    assert moved.status_code == 201 and moved.json()["encounter_id"] == two
    old = ward.rows("SELECT * FROM device_associations WHERE id = ?", first["id"])[0]
    assert old["end_reason"] == "replaced" and old["ended_by"] == "nurse"
    listed = ward.staff.client.get(
        "/api/v1/devices/associations", headers=ward.staff.bearer(Role.nurse)
    ).json()
    assert [(a["device_id"], a["encounter_id"]) for a in listed["data"]] == [(OXIMETER, two)]

    unknown_device = ward.attach("no-such-device", two)
    assert unknown_device.status_code == 404 and "demo-oximeter" in unknown_device.json()["error"]
    unknown_encounter = ward.attach(OXIMETER, 99999)
    assert (
        unknown_encounter.status_code == 404
        and "encounter 99999 not found" in unknown_encounter.json()["error"]
    )
    assert ward.detach(OXIMETER, None).status_code == 422, "detaching needs a reason"
    assert ward.detach(OXIMETER, "   ").status_code == 422
    assert ward.attach("bad id!", two).status_code == 422
    assert ward.rows("SELECT count(*) AS n FROM device_associations WHERE ended_at IS NULL")[0]["n"] == 1


def test_own_patient_id_is_never_relinked_and_held_results_stay_held(ward: Ward) -> None:
    earlier, bystander, measured = patient(5), patient(6), patient(7)
    ward.measure(earlier, 1)  # nobody attached: the oximeter's readings are held
    wait_for(lambda: ward.rows("SELECT * FROM device_results WHERE device_id = ?", OXIMETER), 2)
    wait_for(lambda: ward.rows("SELECT * FROM observations WHERE device = ?", MONITOR), 1)
    bystander_encounter = ward.encounter(bystander.mrn)
    # The monitor sends its own patient id: attaching it to someone else must not move its results.
    assert ward.attach(MONITOR, bystander_encounter).status_code == 201
    assert ward.attach(OXIMETER, bystander_encounter).status_code == 201
    ward.measure(measured, 2)
    wait_for(lambda: ward.rows("SELECT * FROM observations WHERE device = ?", OXIMETER), 2)
    monitor = wait_for(lambda: ward.rows("SELECT * FROM device_results WHERE device_id = ?", MONITOR), 12)
    assert {r["patient_id"] for r in monitor} == {earlier.mrn, measured.mrn}
    assert all("patient_link" not in (r["details"] or "") for r in monitor)
    stored = wait_for(
        lambda: ward.rows("SELECT * FROM device_results WHERE device_id = ? ORDER BY id", OXIMETER), 4
    )
    assert [r["patient_id"] for r in stored] == [None, None, bystander.mrn, bystander.mrn], (
        "readings already in the inbox before the association stay held"
    )
    on_bystander = ward.rows("SELECT device FROM observations WHERE encounter_id = ?", bystander_encounter)
    assert {r["device"] for r in on_bystander} == {OXIMETER}


@pytest.mark.parametrize("role", list(Role))
def test_who_may_attach_read_and_detach(ward: Ward, role: Role) -> None:
    encounter_id = ward.encounter(f"MRN-{role.value}")
    writes = role in (Role.nurse, Role.clinician, Role.admin)
    attached = ward.attach(OXIMETER, encounter_id, role=role)
    assert attached.status_code == (201 if writes else 403)
    if not writes:
        assert ward.attach(OXIMETER, encounter_id).status_code == 201
    listed = ward.staff.client.get("/api/v1/devices/associations", headers=ward.staff.bearer(role))
    assert listed.status_code == (200 if writes or role is Role.integrator else 403)
    if listed.status_code == 200:
        row = listed.json()["data"][0]
        assert row["encounter_id"] == encounter_id
        assert row["mrn"] == (None if role is Role.integrator else f"MRN-{role.value}")
    assert ward.detach(OXIMETER, "done", role=role).status_code == (200 if writes else 403)


def test_staff_pages_attach_and_detach_with_csrf_in_both_languages(ward: Ward) -> None:
    encounter_id = ward.encounter("MRN-PAGE")
    client = ward.staff.client
    csrf = ward.staff.login(Role.nurse)
    page = client.get(f"/encounters/{encounter_id}").text
    assert 'id="attach-form"' in page and f'<option value="{OXIMETER}">' in page
    refused = client.post(f"/encounters/{encounter_id}/devices", data={"device_id": OXIMETER})
    assert refused.status_code == 403, "no CSRF token, no attach"
    done = client.post(
        f"/encounters/{encounter_id}/devices",
        data={"csrf_token": csrf, "device_id": OXIMETER},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"/encounters/{encounter_id}"
    page = client.get(f"/encounters/{encounter_id}").text
    assert f'data-device="{OXIMETER}"' in page.split('id="encounter-devices"')[1]
    assert f'<option value="{OXIMETER}">{OXIMETER} (Encounter #{encounter_id})</option>' in page
    panel = client.get("/devices/rows").text
    row = panel.split(f'data-device="{OXIMETER}"')[1].split("</tr>")[0]
    assert f"Encounter #{encounter_id}" in row and "MRN-PAGE" in row and "Detach" in row
    switched = client.post("/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False)
    assert switched.status_code == 303
    chinese = client.get("/devices/rows").text
    assert "关联患者" in chinese and f"就诊 #{encounter_id}" in chinese and "解除关联" in chinese
    assert "关联设备" in client.get(f"/encounters/{encounter_id}").text
    detached = client.post(
        f"/devices/{OXIMETER}/detach",
        data={"csrf_token": csrf, "reason": "measurement finished", "back": f"/encounters/{encounter_id}"},
        follow_redirects=False,
    )
    assert detached.status_code == 303
    assert ward.rows("SELECT end_reason FROM device_associations")[0]["end_reason"] == "measurement finished"
    # the cell by its class (its role and heading follow the class)
    assert re.search(
        r'class="attached"[^>]*><span class="empty">', client.get("/devices/rows").text.replace("\n", "")
    )


def test_integrators_see_the_panel_without_patient_or_detach(ward: Ward) -> None:
    encounter_id = ward.encounter("MRN-HIDDEN")
    assert ward.attach(OXIMETER, encounter_id).status_code == 201
    panel = ward.staff.client.get("/devices/rows", headers=ward.staff.bearer(Role.integrator)).text
    row = panel.split(f'data-device="{OXIMETER}"')[1].split("</tr>")[0]
    assert f"Encounter #{encounter_id}" in row
    assert "MRN-HIDDEN" not in row and "Detach" not in row


def test_without_an_inhouse_gateway_devices_seen_in_the_log_can_be_attached(staff: Staff) -> None:
    """`triage devices listen` may run the gateway as its own process on the same database."""
    db = staff.app.state.runtime.databases.get()
    message = NewDeviceMessage(
        device_id="ward-oximeter", session_id="s", protocol="line", raw=b"SPO2=097 HR=072"
    )
    record_message(db, message, [])
    headers = staff.bearer(Role.nurse)
    staff.client.post("/api/v1/patients", json={"mrn": "MRN-LOG"}, headers=headers)
    encounter_id = staff.client.post("/api/v1/encounters", json={"mrn": "MRN-LOG"}, headers=headers).json()[
        "id"
    ]
    unseen = staff.client.post(
        "/api/v1/devices/never-seen/association", json={"encounter_id": encounter_id}, headers=headers
    )
    assert unseen.status_code == 404 and "known devices: ward-oximeter" in unseen.json()["error"]
    seen = staff.client.post(
        "/api/v1/devices/ward-oximeter/association", json={"encounter_id": encounter_id}, headers=headers
    )
    assert seen.status_code == 201, seen.text


# --- expiry -------------------------------------------------------------------------------------


def moved_back(db: Any, association_id: int, hours: float) -> dict[str, Any]:
    """As if the association had been attached ``hours`` ago; returns its row."""
    row = dict(db.query("SELECT * FROM device_associations WHERE id = ?", [association_id]).__next__())
    back = {
        key: (datetime.fromisoformat(row[key]) - timedelta(hours=hours)).isoformat(timespec="microseconds")
        for key in ("started_at", "expires_at")
    }
    db.execute(
        "UPDATE device_associations SET started_at = ?, expires_at = ? WHERE id = ?",
        [*back.values(), association_id],
    )
    db.conn.commit()
    return {**row, **back}


def local(at: str) -> str:
    """A moment as the pages give it: its time of day today, the date before it otherwise."""
    moment = datetime.fromisoformat(at).astimezone()
    return moment.strftime(
        "%H:%M:%S" if moment.date() == datetime.now().astimezone().date() else "%Y-%m-%d %H:%M:%S"
    )


def test_an_expired_association_holds_the_readings_and_says_why(ward: Ward) -> None:
    measured = patient(9)
    encounter_id = ward.encounter(measured.mrn)
    attached = ward.attach(OXIMETER, encounter_id).json()
    started = datetime.fromisoformat(attached["started_at"])
    assert datetime.fromisoformat(attached["expires_at"]) - started == timedelta(hours=12), "the default"
    row = moved_back(ward.db, attached["id"], hours=13)  # attached yesterday, never detached

    ward.measure(measured, 1)
    stored = wait_for(lambda: ward.rows("SELECT * FROM device_results WHERE device_id = ?", OXIMETER), 2)
    assert [r["patient_id"] for r in stored] == [None, None], "not linked to yesterday's patient"
    expired = {"association_id": attached["id"], "expired_at": row["expires_at"]}
    assert all(json.loads(r["details"])["association_expired"] == expired for r in stored)
    ended = ward.rows("SELECT * FROM device_associations WHERE id = ?", attached["id"])[0]
    assert (ended["end_reason"], ended["ended_by"], ended["ended_at"]) == (
        "expired",
        "system",
        row["expires_at"],
    )
    entries = audit.entries_for(ward.db, "device_association", attached["id"])
    assert [(e["action"], e["actor"], e["reason"]) for e in entries][1:] == [
        ("device_association.end", "system", "expired")
    ]
    wait_for(
        lambda: ward.rows(
            "SELECT * FROM device_results WHERE delivered_at IS NOT NULL AND device_id = ?", OXIMETER
        ),
        2,
    )
    assert ward.rows("SELECT * FROM observations WHERE device = ?", OXIMETER) == []

    held = ward.staff.client.get("/api/v1/devices/held", headers=ward.staff.bearer(Role.nurse)).json()
    mine = [h for h in held["data"] if h["device_id"] == OXIMETER]
    assert len(mine) == 2 and all(h["association_expired"] == expired for h in mine)
    when = f"{row['expires_at'][:10]} {row['expires_at'][11:19]} UTC"
    assert mine[0]["why_text"] == [f"no patient link: device association #{attached['id']} expired at {when}"]
    csrf = ward.staff.login(Role.nurse)
    page = ward.staff.client.get("/devices").text.split('id="held"')[1]
    assert f"(device association #{attached['id']} expired at {local(row['expires_at'])})" in page
    ward.staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = ward.staff.client.get("/devices").text.split('id="held"')[1]
    assert f"（设备关联 #{attached['id']} 已于 {local(row['expires_at'])} 到期）" in page


def test_pages_and_api_show_when_each_association_expires(ward: Ward) -> None:
    encounter_id = ward.encounter("MRN-EXPIRES")
    attached = ward.attach(OXIMETER, encounter_id).json()
    listed = ward.staff.client.get("/api/v1/devices/associations", headers=ward.staff.bearer(Role.integrator))
    assert [a["expires_at"] for a in listed.json()["data"]] == [attached["expires_at"]]
    expires = local(attached["expires_at"])
    csrf = ward.staff.login(Role.nurse)
    box = ward.staff.client.get(f"/encounters/{encounter_id}").text.split('id="encounter-devices"')[1]
    assert f"expires {expires}" in box and "for at most 12 hours" in box
    row = ward.staff.client.get("/devices/rows").text.split(f'data-device="{OXIMETER}"')[1].split("</tr>")[0]
    assert f"expires {expires}" in row
    ward.staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    row = ward.staff.client.get("/devices/rows").text.split(f'data-device="{OXIMETER}"')[1].split("</tr>")[0]
    assert f"{expires} 到期" in row
    assert "最长 12 小时" in ward.staff.client.get(f"/encounters/{encounter_id}").text

    moved_back(ward.db, attached["id"], hours=12)
    row = ward.staff.client.get("/devices/rows").text.split(f'data-device="{OXIMETER}"')[1].split("</tr>")[0]
    assert "到期" not in row and "未关联" in row, "the panel ends the expired association and shows none"
    assert ward.rows("SELECT end_reason FROM device_associations")[0]["end_reason"] == "expired"


def test_the_clinic_sets_the_maximum_duration(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> None:
    folder, tokens = seeded
    for name in ("clinic.db", "clinic.db-wal"):
        if (folder / name).exists():
            shutil.copy(folder / name, tmp_path / name)
    settings = make_settings(tmp_path).model_copy(
        update={"device_associations": DeviceAssociationSettings(max_duration_s=90)}
    )
    app = create_app(settings)
    with TestClient(app) as client:
        staff = Staff(app, client, tokens)
        db = app.state.runtime.databases.get()
        record_message(
            db, NewDeviceMessage(device_id="ward-oximeter", session_id="s", protocol="line", raw=b"x"), []
        )
        headers = staff.bearer(Role.nurse)
        ids = []
        for mrn in ("MRN-90A", "MRN-90B"):
            client.post("/api/v1/patients", json={"mrn": mrn}, headers=headers)
            ids.append(client.post("/api/v1/encounters", json={"mrn": mrn}, headers=headers).json()["id"])
        first = client.post(
            "/api/v1/devices/ward-oximeter/association", json={"encounter_id": ids[0]}, headers=headers
        )
        assert first.status_code == 201, first.text
        started = datetime.fromisoformat(first.json()["started_at"])
        assert datetime.fromisoformat(first.json()["expires_at"]) - started == timedelta(seconds=90)
        page = client.get(f"/encounters/{ids[0]}", headers=headers).text
        assert "for at most 1.5 min" in page
        moved_back(db, first.json()["id"], hours=1)
        second = client.post(
            "/api/v1/devices/ward-oximeter/association", json={"encounter_id": ids[1]}, headers=headers
        )
        assert second.status_code == 201, "an expired association is no conflict"
        old = db.query(
            "SELECT end_reason FROM device_associations WHERE id = ?", [first.json()["id"]]
        ).__next__()
        assert old["end_reason"] == "expired"
