"""A reading received in another unit keeps the value as received (migration 0016): the patient
page shows the canonical value to its code's decimals with what the nurse typed or the device sent
("38.6 °C (reported 101.5 °F)", was "38.6111 °C"), the API returns both, and a re-assessment gets
the reported value back. Rows stored before the migration stay readable."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from referral import store
from referral.migrations import MIGRATIONS
from referral.schema import apply_migrations, connect
from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role
from triage.service.clinic import observation_from_row
from triage.service.pages.engine_text import EngineText

FAHRENHEIT = {
    **WALK_IN,
    "observations": [
        {"code": "temperature", "value": 101.5, "unit": "[degF]"},
        {"code": "glucose_random", "value": 200, "unit": "mg/dL"},
        {"code": "heart_rate", "value": 88, "unit": "/min"},
    ],
}


def test_a_converted_reading_shows_the_value_as_reported_on_the_page_and_in_the_api(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=FAHRENHEIT, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    encounter = made.json()["encounter_id"]

    staff.login(Role.nurse)
    html = staff.client.get(f"/encounters/{encounter}").text
    assert "38.6 °C (reported 101.5 °F)" in html
    assert "38.6111" not in html, "the conversion's digits are not shown"
    assert "11.1 mmol/L (reported 200 mg/dL)" in html

    detail = staff.client.get(f"/api/v1/encounters/{encounter}", headers=staff.bearer(Role.nurse)).json()
    by_code = {o["code"]: o for o in detail["observations"]}
    temperature = by_code["temperature"]
    assert temperature["unit"] == "Cel" and abs(temperature["value_num"] - (101.5 - 32) * 5 / 9) < 1e-8
    assert (temperature["reported_value"], temperature["reported_unit"]) == (101.5, "[degF]")
    assert (by_code["heart_rate"]["reported_value"], by_code["heart_rate"]["reported_unit"]) == (None, None)

    # a re-assessment rebuilds the readings from the log: the mg/dL value comes back for the
    # mg/dL cut-offs, the canonical value as stored
    db = staff.app.state.runtime.databases.get()
    rebuilt = {o.code: o for o in map(observation_from_row, store.list_observations(db, encounter))}
    assert rebuilt["glucose_random"].reported_numeric("mg/dL") == 200.0
    assert rebuilt["temperature"].value == temperature["value_num"]


def test_a_reading_stored_before_the_migration_stays_readable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="0016_observation_reported")
    old.execute(
        "INSERT INTO patients (mrn, sex, pseudo_id, created_at) VALUES ('MRN-9', 'female', 'p9', '2026-05-01')"
    )
    old.execute(
        "INSERT INTO encounters (patient_id, started_at, day, created_by)"
        " VALUES (1, '2026-05-01T09:00:00+08:00', '2026-05-01', 'nurse1')"
    )
    old.execute(
        "INSERT INTO observations (encounter_id, code, value_num, unit, observed_at, status)"
        " VALUES (1, 'temperature', 38.6111111, 'Cel', '2026-05-01T09:05:00+08:00', 'final')"
    )
    assert apply_migrations(old)[0] == "0016_observation_reported"
    (row,) = store.list_observations(connect(path), 1)
    assert (row["reported_value"], row["reported_unit"]) == (None, None)
    assert observation_from_row(row).reported_value is None
    assert EngineText("en").measurement(row) == "38.6111 °C", "as stored: nothing known of how it came"
