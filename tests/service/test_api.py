"""The JSON API end to end on a real SQLite file: assessments, queue, referrals, overrides, 422s."""

from __future__ import annotations

import copy

from referral import audit
from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role


def count(staff: Staff, table: str) -> int:
    db = staff.app.state.runtime.databases.get()
    return int(db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_walk_in_is_assessed_stored_and_queued_urgent_first(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    calm = copy.deepcopy(WALK_IN)
    calm["patient"]["mrn"] = "MRN-002"
    calm["observations"] = [
        {"code": "spo2", "value": 98, "unit": "%"},
        {"code": "heart_rate", "value": 72, "unit": "/min"},
    ]
    assert staff.client.post("/api/v1/assessments", json=calm, headers=nurse).status_code == 201
    response = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=nurse)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["disposition"] in ("emergency_transfer", "urgent_referral")
    assert "spo2_critical" in body["red_flags"]
    assert body["assessment"]["reasons"], "the decision carries its reasons"
    queue = staff.client.get("/api/v1/queue", headers=nurse).json()
    assert queue[0]["mrn"] == "MRN-001", "the urgent case is on top"
    assert audit.verify(staff.app.state.runtime.databases.get()).ok


def test_clinician_refers_confirms_and_overrides_with_reason(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    assessment = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=doctor).json()
    referral = staff.client.post(
        "/api/v1/referrals",
        json={
            "assessment_id": assessment["id"],
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "SpO2 86 % on air",
        },
        headers=doctor,
    )
    assert referral.status_code == 201, referral.text
    assert referral.json()["status"] == "proposed"
    sent = staff.client.post(
        f"/api/v1/referrals/{referral.json()['id']}/status", json={"status": "sent"}, headers=doctor
    )
    assert sent.json()["status"] == "sent"
    no_reason = staff.client.post(
        f"/api/v1/assessments/{assessment['id']}/overrides",
        json={"disposition": "local_care", "reason": "   "},
        headers=doctor,
    )
    assert no_reason.status_code == 422
    ok = staff.client.post(
        f"/api/v1/assessments/{assessment['id']}/overrides",
        json={"disposition": "emergency_transfer", "reason": "looks worse in person"},
        headers=doctor,
    )
    assert ok.status_code == 201, ok.text
    detail = staff.client.get(f"/api/v1/encounters/{assessment['encounter_id']}", headers=doctor).json()
    assert detail["final_disposition"] == "emergency_transfer"
    actions = [
        row[0] for row in staff.app.state.runtime.databases.get().conn.execute("SELECT action FROM audit")
    ]
    assert {"assessment.create", "referral.create", "referral.sent", "assessment.override"} <= set(actions)


def test_impossible_transition_is_409_with_the_allowed_ones(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    assessment = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=doctor).json()
    ref = staff.client.post(
        "/api/v1/referrals",
        json={
            "assessment_id": assessment["id"],
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "r",
        },
        headers=doctor,
    ).json()
    response = staff.client.post(
        f"/api/v1/referrals/{ref['id']}/status", json={"status": "arrived"}, headers=doctor
    )
    assert response.status_code == 409
    assert 'allowed from "proposed"' in response.json()["error"]


def test_bad_input_is_422_with_what_and_where_and_nothing_stored(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    before = {t: count(staff, t) for t in ("patients", "encounters", "observations", "assessments", "audit")}
    cases = [
        (b"{not json", "JSON decode error"),
        (b'{"patient": {"mrn": "X"}, "observations": "spo2"}', "observations"),
        (b'{"patient": {"mrn": "X"}, "observations": [{"code": "spo2", "value": "ninety"}]}', "spo2"),
    ]
    for raw, needle in cases:
        response = staff.client.post(
            "/api/v1/assessments", content=raw, headers={**nurse, "content-type": "application/json"}
        )
        assert response.status_code == 422, raw
        assert needle in response.json()["error"]
        assert response.json()["ok"] is False
    bad = copy.deepcopy(WALK_IN)
    bad["observations"].append({"code": "spo2", "value": 186, "unit": "%"})
    response = staff.client.post("/api/v1/assessments", json=bad, headers=nurse)
    assert response.status_code == 422
    assert (
        response.json()["error"]
        == "observations[3]: spo2: value 186 % is outside the plausible range 40-100 %"
    )
    unknown = copy.deepcopy(WALK_IN)
    unknown["observations"] = [{"code": "blood_magic", "value": 1}]
    assert staff.client.post("/api/v1/assessments", json=unknown, headers=nurse).status_code == 422
    after = {t: count(staff, t) for t in before}
    assert after == before, "a rejected request stores nothing"


def test_no_readings_is_insufficient_data_as_in_triage_assess_and_a_walk_in_needs_one(staff: Staff) -> None:
    """The engine's answer for no readings is insufficient_data here as for `triage assess` with {}:
    an encounter assessed before any reading. A walk-in records readings, so it needs at least one."""
    nurse = staff.bearer(Role.nurse)
    assert staff.client.post("/api/v1/patients", json={"mrn": "MRN-EMPTY"}, headers=nurse).status_code == 201
    encounter = staff.client.post("/api/v1/encounters", json={"mrn": "MRN-EMPTY"}, headers=nurse).json()
    response = staff.client.post(f"/api/v1/encounters/{encounter['id']}/assessments", json={}, headers=nurse)
    assert response.status_code == 201, response.text
    assert response.json()["disposition"] == "insufficient_data"
    assert (
        "no usable observations (all missing, QC, non-final, stale or superseded)"
        in (response.json()["assessment"]["notes"])
    )
    for body, error in (
        ({}, "patient: Field required; observations: Field required"),
        (
            {"patient": {"mrn": "MRN-EMPTY"}, "observations": []},
            "observations: List should have at least 1 item after validation, not 0",
        ),
    ):
        response = staff.client.post("/api/v1/assessments", json=body, headers=nurse)
        assert (response.status_code, response.json()["error"]) == (422, error)


def test_health_readiness_metrics_and_offline_docs(staff: Staff) -> None:
    assert staff.client.get("/healthz").json() == {"status": "ok"}
    staff.client.get("/api/v1/queue", headers=staff.bearer(Role.nurse))
    assert staff.client.get("/readyz").json()["ready"] is True
    metrics = staff.client.get("/metrics", headers=staff.bearer(Role.admin))
    assert "triage_http_requests_total" in metrics.text
    assert 'route="/api/v1/queue"' in metrics.text, "labels carry the full route template"
    docs = staff.client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
    assert staff.client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    ops = [
        op["operationId"]
        for path in staff.client.get("/openapi.json").json()["paths"].values()
        for op in path.values()
    ]
    assert "clinical-walk_in" in ops


def test_api_tokens_are_stored_as_digests_only(staff: Staff) -> None:
    db = staff.app.state.runtime.databases.get()
    stored = [row[0] for row in db.conn.execute("SELECT token_sha256 FROM api_tokens")]
    for token in staff.tokens.values():
        assert token not in stored
    hashes = [row[0] for row in db.conn.execute("SELECT password_hash FROM users")]
    assert all(h.startswith("$argon2id$") for h in hashes)
