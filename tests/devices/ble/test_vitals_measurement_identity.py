"""A thermometer (0x2A1C), pulse oximeter spot-check (0x2A5E) or weight scale (0x2A9D) reading
keeps one identity through the real gateway and SQLite file, as a blood pressure does
(test_bp_measurement_identity.py): a re-read of the same measurement (the device sends its
memory again after a reconnect) is a duplicate, never stored twice, and two different
measurements with the same device time - a clock that says minutes only (seconds 0), the two
users of a scale - are two results. The exactly-once key had no sample id for these readings
(device, test, device time alone), so the second measurement of the minute was taken for a
resend of the first and dropped. SYNTHETIC readings; the fake GATT client of test_ble_link.py
(no Bluetooth controller on the test machines), played as test_bp_measurement_identity.played does."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from devices.codecs import gatt_records
from devices.codecs.gatt_lines import value_line
from devices.profile import load_profile
from devices.results import to_inbox_result
from referral.inbox import NewDeviceMessage, record_message
from referral.schema import connect
from tests.devices.ble.meter import sfloat_bits
from tests.devices.ble.test_bp_measurement_identity import played
from tests.devices.codecs.test_gatt_vitals import float32, spot_check, temperature
from tests.devices.codecs.test_gatt_weight import weight

#: profile, characteristic, two measurements of one device time (its minute, seconds 0), and
#: the (vendor code, value) rows both store
DEVICES = {
    "thermometer": (
        "ble-thermometer",
        "2a1c",
        temperature(0x02, float32(3712, -2)),
        temperature(0x02, float32(3854, -2)),
        [("TEMP", "37.12"), ("TEMP", "38.54")],
    ),
    "oximeter": (
        "ble-pulse_oximeter",
        "2a5e",
        spot_check(0x01),
        spot_check(0x01, sfloat_bits(91, 0), sfloat_bits(104, 0)),
        [("SPO2", "97"), ("PR", "72"), ("SPO2", "91"), ("PR", "104")],
    ),
    "weight scale": (
        "ble-weight_scale",
        "2a9d",
        weight(0x02),
        weight(0x02, 14500),
        [("WT", "70.35"), ("WT", "72.5")],
    ),
}


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_two_measurements_of_the_same_device_time_are_two_results(tmp_path: Path, device: str) -> None:
    profile_name, uuid, first, second, values = DEVICES[device]
    rows, counts = played(tmp_path, profile_name, uuid, first, second)
    assert rows == values
    assert counts == f"{len(values)} new, 0 duplicates"


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_a_re_read_of_the_same_measurement_is_a_duplicate(tmp_path: Path, device: str) -> None:
    profile_name, uuid, first, _, values = DEVICES[device]
    rows, counts = played(tmp_path, profile_name, uuid, first, first)
    assert rows == values[: len(values) // 2]
    assert counts == f"{len(rows)} new, {len(rows)} duplicates"


def test_the_two_users_of_a_scale_weighed_at_the_same_time_are_two_results(tmp_path: Path) -> None:
    same = [weight(0x06, 14070, user=user) for user in (1, 2)]
    rows, counts = played(tmp_path, "ble-weight_scale", "2a9d", *same)
    assert rows == [("WT", "70.35"), ("WT", "70.35")]
    assert counts == "2 new, 0 duplicates"


def test_a_spot_check_sent_again_from_the_oximeter_s_memory_is_a_duplicate(tmp_path: Path) -> None:
    """The same spot-check, live and then from storage (measurement status bit 9 set, nothing
    else changed), is one measurement: not stored again as a held copy."""
    live = spot_check(0x03, status=0x0080)  # validated data
    stored = spot_check(0x03, status=0x0080 | 0x0200)  # validated data, from measurement storage
    rows, counts = played(tmp_path, "ble-pulse_oximeter", "2a5e", live, stored)
    assert rows == [("SPO2", "97"), ("PR", "72")]
    assert counts == "2 new, 2 duplicates"


def _stored_by_an_older_gateway(tmp_path: Path, profile_name: str, uuid: str, value: bytes) -> None:
    """``value`` stored as a gateway older than these sample ids stored it: the same message (the
    GATT line), its results with an empty sample id, received on 2026-11-20 a minute after it
    was taken (its device time 09:15 +08:00)."""
    profile = load_profile(profile_name)
    record = value_line(uuid, value)
    results, _ = gatt_records.decode_message(profile, record)
    before = "2026-11-20T01:16:00+00:00"
    old = [replace(to_inbox_result(r, before), sample_id="") for r in results]
    db = connect(tmp_path / "clinic.db")
    message = NewDeviceMessage(
        device_id=profile.device_id, session_id="before", protocol="ble", raw=record, received_at=before
    )
    record_message(db, message, old)
    db.close()


@pytest.mark.parametrize("device", sorted(DEVICES))
def test_a_reading_stored_before_the_upgrade_and_read_again_after_is_a_duplicate(
    tmp_path: Path, device: str
) -> None:
    """What an upgrade met: a reading stored before its sample id was its bytes' (sample id
    empty) and sent again after it (the device's memory after a reconnect) was not recognised as
    the same measurement, and was stored a second time beside the first - linked to whoever was
    associated when it arrived. Its stored message, decoded as today, gives it the same key: a
    duplicate. The second measurement of that minute, which the old key took for a resend of the
    first and dropped, is stored now, once: it is not the stored one."""
    profile_name, uuid, first, second, values = DEVICES[device]
    _stored_by_an_older_gateway(tmp_path, profile_name, uuid, first)
    rows, counts = played(tmp_path, profile_name, uuid, first, second, first)
    assert rows == values  # the first as stored before, the second new
    half = len(values) // 2
    assert counts == f"{half} new, {2 * half} duplicates"
    with sqlite3.connect(tmp_path / "clinic.db") as conn:
        keys = conn.execute(
            "SELECT sample_id, result_time, status, flags FROM device_results ORDER BY id"
        ).fetchall()
    assert {key[0] for key in keys[:half]} == {""}
    assert all(key[0].startswith(f"{uuid} ") and key[1] == keys[0][1] for key in keys[half:])
    # read more than the profile's [clock] max_age (a day) after it was taken: held
    assert {key[2:] for key in keys[half:]} == {("preliminary", "device_time_old")}


def test_a_spot_check_stored_live_before_the_upgrade_and_sent_from_memory_after_is_a_duplicate(
    tmp_path: Path,
) -> None:
    """The oximeter's memory sends the spot-check with its 'from storage' bit: other bytes than
    the live one stored before the upgrade, the same measurement (its identity leaves the bit out)."""
    live = spot_check(0x03, status=0x0080)
    _stored_by_an_older_gateway(tmp_path, "ble-pulse_oximeter", "2a5e", live)
    rows, counts = played(tmp_path, "ble-pulse_oximeter", "2a5e", spot_check(0x03, status=0x0080 | 0x0200))
    assert rows == [("SPO2", "97"), ("PR", "72")]
    assert counts == "0 new, 2 duplicates"
