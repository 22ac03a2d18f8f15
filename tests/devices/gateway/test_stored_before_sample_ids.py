"""A result an older gateway stored under an empty sample id, sent again after the upgrade that
gave the device's results their sample ids (``PT <patient id>`` for an ASTM result without one,
a BLE measurement's own bytes: tests/devices/ble/test_vitals_measurement_identity.py): the
stored message, decoded as today, tells which stored row is which result - never one patient's
result taken for another's. The Euroimmun analyzer's real message of 20 patients, one test at one
time, no sample ids: the old key (device, '', test, time) stored the first patient's result and
took the 19 others for resends of it. Real SQLite file, the bundled profile's decoder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from devices.decode import decode_message
from devices.link_drivers import make_redecoder
from devices.profile import load_profile
from devices.results import to_inbox_result
from referral.inbox import NewDeviceMessage, record_message
from referral.schema import connect
from tests.devices.gateway.devices_cli import TRACES


def test_the_stored_patient_s_result_is_a_duplicate_and_the_others_are_stored(tmp_path: Path) -> None:
    profile = load_profile("euroimmun-analyzer1")
    raw = (TRACES / "euroimmun-analyzer1.astm").read_bytes()
    results, _ = decode_message(profile, raw)
    before = "2026-11-20T01:16:00+00:00"
    today = [to_inbox_result(r, before) for r in results]
    assert len(today) == 20 and len({r.key for r in today}) == 20
    assert {(r.vendor_code, r.result_time) for r in today} == {(today[0].vendor_code, today[0].result_time)}
    db = connect(tmp_path / "clinic.db")

    def message(received_at: str) -> NewDeviceMessage:
        return NewDeviceMessage(
            device_id=profile.device_id, session_id="s", protocol="astm", raw=raw, received_at=received_at
        )

    old = record_message(db, message(before), [replace(r, sample_id="") for r in today])
    assert len(old.new_results) == 1
    assert old.duplicate_count == 19
    again = record_message(
        db, message("2026-11-20T02:00:00+00:00"), today, decode_again=make_redecoder(profile)
    )
    assert again.duplicate_count == 1
    assert [r.patient_id for r in again.new_results] == [r.patient_id for r in today[1:]]
    stored = db.execute("SELECT patient_id, sample_id FROM device_results ORDER BY id").fetchall()
    assert stored[0] == (today[0].patient_id, "")
    assert stored[1:] == [(r.patient_id, f"PT {r.patient_id}") for r in today[1:]]
