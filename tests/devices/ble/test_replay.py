"""`triage devices replay --protocol ble` on the SYNTHETIC glucose-meter capture (checklist item 26):
GATT lines -> records (measurement + context by sequence number) -> triage observations, the
meter's resent record counted once, control solution held as QC, readings without a patient id
held as the gateway holds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.profile import load_profile
from tests.devices.traces.golden_io import DATA
from triage.cli import main
from triage.intake import observation_record, replay_capture

CAPTURE = DATA / "ble-glucose_meter.txt"


def test_replay_of_the_synthetic_glucose_capture_reads_each_record_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert b"SYNTHETIC" in CAPTURE.read_bytes()
    code = main(["devices", "replay", str(CAPTURE), "--protocol", "ble", "--profile", "ble-glucose_meter"])
    out, err = capsys.readouterr()
    assert code == 0, err
    # the meter sends no patient id: the gateway holds its readings ("no patient link") until a
    # device association links the meter to a patient, so replay prints none as an observation
    assert out == ""
    assert "resend of the result at byte 596 (sample seq 2" in err
    assert "[profile sample data is SYNTHETIC]" in err and "4 not for triage (3 no_patient, 1 qc)" in err
    report = replay_capture(load_profile("ble-glucose_meter"), CAPTURE.read_bytes())
    rows = [observation_record(result, obs) for result, obs in report.unlinked]
    assert [(r["sample_id"], r["code"], r["comparator"]) for r in rows] == [
        ("seq 1", "glucose_fasting", None),
        ("seq 2", "glucose_random", None),
        ("seq 4", "glucose_random", ">"),
    ]
    assert rows[0]["value"] == pytest.approx(95 / 18.016, abs=0.01)  # 95 mg/dL in mmol/L
    assert (rows[1]["value"], rows[1]["device_time"]) == (8.4, "2026-11-20T12:30:00+08:00")


def test_replay_ble_defaults_to_the_glucose_meter_profile_and_reports_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(CAPTURE.read_bytes() + b"2a18 0100\n2a18 not-hex\n")
    code = main(["devices", "replay", str(bad), "-p", "ble"])
    _, err = capsys.readouterr()
    assert code == 1
    assert (
        "quarantined (unparseable_message): in the 2a18 value of 2 bytes: glucose measurement sequence number"
        " at byte 1 needs 2 bytes, only 1 left" in err
    )
    assert "quarantined (unreadable_line): GATT line at byte" in err and "is not hex bytes" in err


def test_a_held_reading_converted_from_mg_dl_is_listed_as_a_laboratory_reports_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The meter reports mg/dL; the held list gave the conversion's every digit (5.27309 mmol/L,
    >33.3037 mmol/L) and not what the meter showed."""
    main(["devices", "replay", str(CAPTURE), "--profile", "ble-glucose_meter"])
    held = [
        line.split(": held (no_patient): ")[1]
        for line in capsys.readouterr().err.splitlines()
        if ": held (no_patient): " in line
    ]
    assert [line.split(", time")[0] for line in held] == [
        "glucose_fasting 5.3 mmol/L (reported 95 mg/dL)",
        "glucose_random 8.4 mmol/L",
        "glucose_random >33.3 mmol/L (reported >600 mg/dL)",
    ]


def test_an_unreadable_glucose_context_is_placed_at_its_own_line_of_the_capture(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record is its measurement's line and its context's, which need not follow it in the
    capture (here a comment between them). Replay named the measurement's line for a context that
    could not be read - the record placed by its first line only - where the gateway's quarantine
    sentence places each line (ec07d6f)."""
    measurement = b"2a18 120100ea070b14071e005fb011\n"  # seq 1, context announced
    between = b"# the meter sent another value between them\n"
    capture = tmp_path / "ble.txt"
    capture.write_bytes(measurement + between + b"2a34 020100\n")  # seq 1, meal announced, missing
    assert main(["devices", "replay", str(capture), "-p", "ble"]) == 1
    context_line = len(measurement + between)
    assert (
        f"{capture}: byte {context_line}: quarantined (unparseable_message): in the 2a34 value of 3 bytes:"
        " glucose context meal at byte 3 needs 1 byte, only 0 left\n"
    ) in capsys.readouterr().err
