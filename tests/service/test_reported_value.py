"""A reading received in another unit keeps the value as received (migration 0016): the patient
page shows the canonical value to its code's decimals with what the nurse typed or the device sent
("38.6 °C (reported 101.5 °F)", was "38.6111 °C"), the API returns both, and a re-assessment gets
the reported value back. Rows stored before the migration stay readable."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from referral import export, store
from referral.inbox import NewDeviceResult
from referral.migrations import MIGRATIONS
from referral.schema import apply_migrations, connect
from tests.service.conftest import WALK_IN, Staff, unspanned
from tests.service.test_corrections import deliver, page, result, rows
from triage.cli import main
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
    html = unspanned(staff.client.get(f"/encounters/{encounter}").text)
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


def _section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_readings_not_used_show_as_the_readings_table_does(staff: Staff) -> None:
    """The engine writes an unused reading to 4 significant digits (every whole digit from 10,000
    up: "12345 ng/L"), a converted one to its code's decimals ("38.6 Cel (reported 101.5
    [degF])"); the page shows the stored reading as its table does."""
    stale = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    body = {
        **WALK_IN,
        "observations": [
            *WALK_IN["observations"],
            {"code": "temperature", "value": 101.5, "unit": "[degF]", "qc": True},
            {"code": "troponin_i", "value": 12345, "unit": "ng/L", "observed_at": stale},
        ],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    engine = {i["code"]: i["value"] for i in made.json()["assessment"]["ignored_observations"]}
    assert engine == {"temperature": "38.6 Cel (reported 101.5 [degF])", "troponin_i": "12345 ng/L"}

    staff.login(Role.nurse)
    page = unspanned(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    unused = _section(page, '<ul class="ignored">', "</ul>")
    assert "temperature 38.6 °C (reported 101.5 °F) (" in unused
    assert "hs troponin I 12345 ng/L (" in unused
    assert "38.61" not in unused and "e+04" not in unused
    table = _section(page, '<tbody role="rowgroup">', "</tbody>")
    assert "38.6 °C (reported 101.5 °F)" in table and ">12345 ng/L<" in table


def test_a_reading_not_used_from_a_log_before_the_migration_is_rounded_for_its_code() -> None:
    """No stored reading carries the reported value: the engine's text, rounded for the code."""
    reading = {"code": "temperature", "value": "38.61 Cel (reported 101.5 [degF])", "observed_at": "x"}
    assert EngineText("en").unused(reading, []) == "38.6 °C (reported 101.5 °F)"
    censored = {"code": "glucose_random", "value": ">33.31 mmol/L (reported >600 mg/dL)"}
    assert EngineText("en").unused(censored, []) == ">33.3 mmol/L (reported >600 mg/dL)"
    assert EngineText("en").unused({"code": "troponin_i", "value": "1.234e+04 ng/L"}, []) == "1.234e+04 ng/L"


def test_device_correction_notes_show_the_readings_as_the_table_does(
    staff: Staff, capsys: pytest.CaptureFixture[str]
) -> None:
    """A glucose meter in mg/dL corrects 504 to 112: the correction keeps the values as stored
    (every digit of the conversion, the UCUM unit), and so does the basis change of the referral
    proposed from 504; the notes show them as the table does."""

    def glucose(value: str, status: str) -> NewDeviceResult:
        return replace(result(value, status), value_num=float(value), unit="mg/dL")

    deliver(staff, glucose("504", "final"))
    deliver(staff, glucose("112", "corrected"))
    (correction,) = rows(staff, "SELECT encounter_id, old_value, new_value FROM observation_corrections")
    assert correction["old_value"].startswith("27.97513") and correction["new_value"].startswith("6.21669")
    text = page(staff, int(correction["encounter_id"]))
    assert "replaces 28.0 mmol/L (reported 504 mg/dL)" in text
    assert "(6.2 mmol/L (reported 112 mg/dL)); not used" in text
    # the referral proposed from 504 mg/dL: its basis change names the same readings
    assert (
        "random glucose 28.0 mmol/L (reported 504 mg/dL) -&gt; 6.2 mmol/L (reported 112 mg/dL) after" in text
    )
    assert "27.975" not in text and "6.2166" not in text

    # the FHIR export's note and the CLI name the values as reported too (the change's own
    # text, every digit of the conversion, is what the log keeps)
    db = staff.app.state.runtime.databases.get()
    (entry,) = export.fhir_bundle(db)["entry"]
    (note,) = entry["resource"]["note"]
    reported = re.compile(
        r"glucose_random 27\.975\d* mmol/L \(reported 504 mg/dL\) -> 6\.2166\d* mmol/L \(reported 112 mg/dL\) after"
    )
    assert reported.search(note["text"]), note["text"]
    (path,) = [row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main"]
    assert main(["referrals", "basis-changes", "--db", path]) == 0
    assert reported.search(capsys.readouterr().out)
