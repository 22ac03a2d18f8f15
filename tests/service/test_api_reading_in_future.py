"""A reading sent to the API with an ``observed_at`` later than the service's clock allows is refused
(422 naming ``observations[i].observed_at``, the time sent, the service's clock and the allowance),
nothing stored: a walk-in stamped a day ahead (2027 typed for 2026, a clock set wrong) was stored
and its readings never used - "in the future" - or used once their time came as the patient's
latest. The allowance is the policy's ``freshness.future_tolerance_minutes`` (5 by default), the
same the engine uses: a device clock a few minutes fast is taken. Real uvicorn on a real SQLite
file; a clinic policy file for the allowance."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from tests.service.conftest import copy_seeded, live_server, make_settings
from tests.service.openapi_check import conforms
from triage.service import create_app
from triage.service.auth import Role
from triage.settings import load_settings

TIMEOUT_S = 60.0
CLINIC = timezone(timedelta(hours=8))  # the times are sent in the clinic's offset, +08:00


def _at(ahead: timedelta) -> str:
    """A time ``ahead`` of now, as a client in the clinic's offset sends it."""
    return (datetime.now(CLINIC) + ahead).isoformat()


def _walk_in(mrn: str, observed_at: str) -> dict[str, object]:
    return {
        "patient": {"mrn": mrn, "sex": "female"},
        "age_years": 60,
        "observations": [
            {"code": "heart_rate", "value": 80, "unit": "/min"},
            {"code": "spo2", "value": 85, "unit": "%", "observed_at": observed_at},
        ],
    }


def test_a_reading_a_day_ahead_is_refused_naming_the_field_value_and_allowance(
    tmp_path: Path, seeded: tuple[Path, dict[Role, str]]
) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    ahead = datetime.now(CLINIC) + timedelta(days=2, minutes=3)  # a date mistyped
    with (
        live_server(create_app(make_settings(tmp_path))) as base,
        httpx.Client(base_url=base, headers=auth, timeout=TIMEOUT_S) as client,
    ):
        document = client.get("/openapi.json").json()
        refused = client.post("/api/v1/assessments", json=_walk_in("FUT-1", ahead.isoformat()))
        found = client.get("/api/v1/patients", params={"mrn": "FUT-1"}).json()
        taken = client.post("/api/v1/assessments", json=_walk_in("FUT-2", _at(timedelta(minutes=2))))
        encounter = taken.json()["encounter_id"]
        added = client.post(
            f"/api/v1/encounters/{encounter}/observations",
            json=[
                {
                    "code": "resp_rate",
                    "value": 30,
                    "unit": "/min",
                    "observed_at": _at(timedelta(hours=3, minutes=10)),
                }
            ],
        )
        readings = client.get(f"/api/v1/encounters/{encounter}").json()["observations"]
    body = refused.json()
    assert refused.status_code == 422 and body["code"] == "invalid_input", body
    assert body["fields"] == ["observations[1].observed_at"], body
    assert body["error"].startswith(
        f"observations[1].observed_at: {ahead.isoformat()} is 2 days after the service's clock ("
    ), body
    assert "a reading may be at most 5 minutes ahead of it" in body["error"], body
    assert "freshness.future_tolerance_minutes" in body["error"], body
    conforms(document, refused)
    assert found["total"] == 0, found  # nothing stored: not even the patient
    # two minutes ahead: a device clock a little fast, taken and used
    assert taken.status_code == 201, taken.text
    assert not taken.json()["assessment"]["ignored_observations"], taken.json()["assessment"]
    assert "spo2_critical" in taken.json()["red_flags"], taken.json()
    assert added.status_code == 422, added.text
    assert added.json()["fields"] == ["body[0].observed_at"], added.json()
    assert " is 3 hours after the service's clock (" in added.json()["error"], added.json()
    assert sorted(r["code"] for r in readings) == ["heart_rate", "spo2"], readings  # none added


def test_the_allowance_is_the_clinic_policys(tmp_path: Path, seeded: tuple[Path, dict[Role, str]]) -> None:
    tokens = copy_seeded(seeded, tmp_path)
    policy = tmp_path / "clinic-policy.toml"
    policy.write_text('version = "clinic-1"\n[freshness]\nfuture_tolerance_minutes = 30\n', encoding="utf-8")
    settings = load_settings(
        None,
        data_dir=tmp_path,
        database={"path": tmp_path / "clinic.db"},
        service={"default_language": "en"},
        policy={"file": policy},
    )
    auth = {"Authorization": f"Bearer {tokens[Role.nurse]}"}
    with (
        live_server(create_app(settings)) as base,
        httpx.Client(base_url=base, headers=auth, timeout=TIMEOUT_S) as client,
    ):
        taken = client.post("/api/v1/assessments", json=_walk_in("FUT-3", _at(timedelta(minutes=20))))
        refused = client.post("/api/v1/assessments", json=_walk_in("FUT-4", _at(timedelta(minutes=50))))
    assert taken.status_code == 201 and not taken.json()["assessment"]["ignored_observations"], taken.text
    assert refused.status_code == 422, refused.text
    # (the server's clock read after the client's: 49 whole minutes ahead)
    assert " is 49 minutes after the service's clock (" in refused.json()["error"], refused.json()
    assert "at most 30 minutes ahead" in refused.json()["error"], refused.json()
