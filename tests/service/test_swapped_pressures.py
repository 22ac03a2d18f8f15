"""A diastolic pressure at or above the systolic taken with it (the two swapped by a nurse or a
device, ``triage.bp_pair``), through the real service and SQLite file: the API refuses it (422
naming both), the vital-signs form comes back with the error in the nurse's language and stores
nothing, a device message carrying it is held for review and never assessed, and a pair stored
before any check is not scored."""

from __future__ import annotations

import asyncio
import copy
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from referral import audit, review
from tests.service.conftest import WALK_IN, Staff, make_settings, unspanned
from tests.service.test_pipeline import wait_for
from triage.service import create_app
from triage.service.auth import Role
from triage.service.demo import DemoDevices, demo_patient

TABLES = ("patients", "encounters", "observations", "assessments", "audit")


def _counts(staff: Staff) -> dict[str, int]:
    db = staff.app.state.runtime.databases.get()
    return {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _with_pressures(sbp: float, dbp: float) -> dict[str, object]:
    body = copy.deepcopy(WALK_IN)
    body["observations"] = [
        {"code": "heart_rate", "value": 80, "unit": "/min"},
        {"code": "sbp", "value": sbp, "unit": "mmHg"},
        {"code": "dbp", "value": dbp, "unit": "mmHg"},
    ]
    return body


def test_the_api_refuses_a_diastolic_not_below_the_systolic_and_stores_nothing(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    before = _counts(staff)
    for sbp, dbp in ((80, 140), (120, 120)):
        response = staff.client.post("/api/v1/assessments", json=_with_pressures(sbp, dbp), headers=nurse)
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"].startswith(
            f"observations[1].value, observations[2].value: dbp {dbp} mmHg is not below sbp {sbp} mmHg"
            " - were they swapped?"
        )
        assert body["context"] == {"sbp": str(sbp), "dbp": str(dbp)}
    assert _counts(staff) == before, "a refused request stores nothing"
    # one below is a reading: the walk-in is assessed
    assert (
        staff.client.post("/api/v1/assessments", json=_with_pressures(120, 119), headers=nurse).status_code
        == 201
    )
    # the encounter's readings endpoint refuses the pair too
    encounter = staff.client.post("/api/v1/encounters", json={"mrn": "MRN-001"}, headers=nurse).json()["id"]
    pair = _with_pressures(80, 140)["observations"]
    added = staff.client.post(f"/api/v1/encounters/{encounter}/observations", json=pair, headers=nurse)
    assert added.status_code == 422 and "dbp 140 mmHg is not below sbp 80 mmHg" in added.json()["error"]


def _vitals(staff: Staff, csrf: str, encounter: int, sbp: str, dbp: str) -> tuple[int, str]:
    sent = staff.client.post(
        f"/encounters/{encounter}/vitals",
        data={"csrf_token": csrf, "spo2": "97", "sbp": sbp, "dbp": dbp},
        follow_redirects=False,
    )
    return sent.status_code, sent.text


def test_the_vitals_form_comes_back_with_the_swap_beside_both_fields_in_the_nurses_language(
    staff: Staff,
) -> None:
    csrf = staff.login(Role.nurse)
    opened = staff.client.post(
        "/walk-ins", data={"csrf_token": csrf, "mrn": "BP-1", "sex": "female"}, follow_redirects=False
    )
    encounter = int(opened.headers["location"].rsplit("/", 1)[1])
    before = _counts(staff)
    status, html = _vitals(staff, csrf, encounter, "80", "140")
    assert status == 422
    assert "Diastolic 140 mmHg is not below systolic 80 mmHg - were they swapped?" in unspanned(html)
    form = html.split('id="vitals-form"')[1].split("</form>")[0]
    assert 'value="80"' in form and 'value="140"' in form, "what was typed is kept"
    assert form.count('aria-invalid="true"') == 2, "both fields are marked"
    assert _counts(staff) == before, "nothing is stored, not even the SpO2"
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    status, html = _vitals(staff, csrf, encounter, "120", "120")
    assert status == 422 and "舒张压 120 mmHg 不低于收缩压 120 mmHg" in unspanned(html)
    assert _counts(staff) == before
    status, _ = _vitals(staff, csrf, encounter, "120", "119")
    assert status == 303


def test_a_swapped_pair_stored_before_the_check_is_not_scored_and_the_page_says_why(staff: Staff) -> None:
    """Readings stored by an earlier version (or two single entries): the engine ignores the pair."""
    nurse = staff.bearer(Role.nurse)
    assert staff.client.post("/api/v1/patients", json={"mrn": "MRN-OLD"}, headers=nurse).status_code == 201
    encounter = staff.client.post("/api/v1/encounters", json={"mrn": "MRN-OLD"}, headers=nurse).json()["id"]
    now = datetime.now(UTC).isoformat()
    for code, value in (("sbp", 80), ("dbp", 140), ("spo2", 97)):  # one at a time: no pair to check
        reading = [{"code": code, "value": value, "observed_at": now}]
        added = staff.client.post(f"/api/v1/encounters/{encounter}/observations", json=reading, headers=nurse)
        assert added.status_code == 201, added.text
    assessed = staff.client.post(f"/api/v1/encounters/{encounter}/assessments", json={}, headers=nurse)
    assert assessed.status_code == 201, assessed.text
    payload = assessed.json()["assessment"]
    assert payload["scores"]["blood_pressure"]["value"] is None
    assert {"sbp", "dbp"} <= set(payload["missing_inputs"])
    assert {i["code"]: i["reason"] for i in payload["ignored_observations"]} == {
        "sbp": "implausible_pair",
        "dbp": "implausible_pair",
    }
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = unspanned(staff.client.get(f"/encounters/{encounter}").text)
    assert "舒张压 140 mmHg 不低于同次测量的收缩压 80 mmHg" in page


def test_a_device_message_with_a_swapped_pair_is_held_for_review_and_never_assessed(tmp_path: Path) -> None:
    devices = DemoDevices()
    app = create_app(make_settings(tmp_path), device_endpoints=devices.endpoints)
    with TestClient(app):
        runtime = app.state.runtime
        db = runtime.databases.get()
        patient = demo_patient(1, random.Random(3))
        patient = replace(patient, vitals={**patient.vitals, "sbp": 80, "dbp": 140})
        asyncio.run(devices.measure(patient, 1))
        monitor = "SELECT * FROM device_results WHERE device_id = 'demo-monitor'"
        stored = wait_for(
            lambda: list(db.query(monitor + " AND delivered_at IS NOT NULL")), len(patient.vitals)
        )
        assert {r["code"] for r in stored} >= {"sbp", "dbp"}, "both kept in the inbox"
        observed = wait_for(
            lambda: list(db.query("SELECT * FROM observations WHERE device = 'demo-monitor'")), 1
        )
        codes = {o["code"] for o in observed}
        assert codes and not codes & {"sbp", "dbp"}, "the other vital signs are used, the pair is not"
        held = {h.result.code: h for h in review.held_results(db) if h.result.device_id == "demo-monitor"}
        assert set(held) == {"sbp", "dbp"}
        assert all(h.why == ("not_accepted",) for h in held.values())
        # the worklist and the API say why, not only "value or unit rejected"; the note is audited
        why = "dbp 140 mmHg is not below sbp 80 mmHg - were they swapped?"
        for h in held.values():
            row = h.as_dict()
            assert row["not_accepted"] == why and row["why_text"][0].endswith(f": {why}")
            (entry,) = [
                e
                for e in audit.entries_for(db, "device_result", h.result.id)
                if e["action"] == "device_result.not_accepted"
            ]
            assert entry["reason"] == why
        (payload,) = db.conn.execute("SELECT payload FROM assessments ORDER BY id DESC LIMIT 1").fetchone()
        assert '"blood_pressure"' in payload and '"sbp"' in payload
        assert runtime.metrics.device_results.labels("rejected")._value.get() == 2
    asyncio.run(devices.close())
