"""`triage devices listen --profile ble-glucose_meter` as a real process, through the BLE link, with
a stand-in ``bleak`` package on its PYTHONPATH (``fake_bleak/``: there is no Bluetooth controller
on the test machines): the stored records are fetched, stored once in the real SQLite file,
printed, and counted when the process is stopped."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.devices.gateway.devices_cli import settings_file

REPO = Path(__file__).parents[3]
FAKE_BLEAK = Path(__file__).parent / "fake_bleak"


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM device_results").fetchone()[0])
    except sqlite3.Error:
        return 0


def _ended(sessions: Path) -> int:
    return len(sessions.read_text().splitlines()) if sessions.exists() else 0


def test_listen_with_a_ble_glucose_meter_stores_its_records_once(tmp_path: Path) -> None:
    db = tmp_path / "clinic.db"
    sessions = tmp_path / "sessions"  # a line for each session the meter saw end
    env = {
        **os.environ,
        "TRIAGE_CONFIG": str(settings_file(tmp_path)),
        "PYTHONPATH": os.pathsep.join([str(FAKE_BLEAK), str(REPO)]),
        "FAKE_BLEAK_SESSIONS": str(sessions),
    }
    listen = subprocess.Popen(
        [str(Path(sys.executable).with_name("triage")), "devices", "listen", "--profile", "ble-glucose_meter", "--db", str(db), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while _stored(db) < 2 and time.monotonic() < deadline and listen.poll() is None:
            time.sleep(0.1)
        # the gateway connects again (back-off) and finds nothing new: its second session ends
        deadline = time.monotonic() + 30
        while _ended(sessions) < 2 and time.monotonic() < deadline and listen.poll() is None:
            time.sleep(0.02)
        assert _ended(sessions) >= 2, (
            f"the gateway did not connect to the meter again: {_ended(sessions)} sessions"
        )
    finally:
        listen.send_signal(signal.SIGTERM)
        out, err = listen.communicate(timeout=20)
    assert listen.returncode == 0, err
    assert 'listening: ble-glucose_meter (ble) on ble name "Glucose Meter"' in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["sample_id"], r["code"], r["hold_reason"]) for r in rows] == [
        ("seq 1", "glucose_fasting", "no patient link"),
        ("seq 2", "glucose_random", "no patient link"),
    ]
    assert "ble-glucose_meter: " in err and "2 new results stored" in err
    assert _stored(db) == 2
