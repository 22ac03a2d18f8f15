"""Bluetooth LE Blood Pressure Measurement 0x2A35 (pure decoding; the BLE link is ``devices.transports.ble``).

Blood Pressure Measurement (0x2A35) values are IEEE-11073 16-bit SFLOATs: a 4-bit signed exponent
and a 12-bit signed mantissa. The special values NaN (0x07FF), NRes (0x0800), +INF (0x07FE),
-INF (0x0802) and reserved (0x0801) mean "no value": they become missing, never a number.
The flags byte decides which fields follow - reading fixed offsets is the classic bug:

- bit 0: units are kPa (else mmHg); bit 1: time stamp present (7 bytes); bit 2: pulse rate
  present (SFLOAT); bit 3: user id present (1 byte); bit 4: measurement status present (2 bytes).

:func:`bp_results` maps a measurement to :class:`DeviceResult` records with vendor codes ``SYS``,
``DIA``, ``MAP`` and ``PR`` (units ``mm[Hg]`` or ``kPa`` as sent; triage converts kPa to mmHg).
The user id is the monitor's own user slot (1, 2... ; 0xFF unknown user), not a clinic patient id:
it is kept as a comment and never used as the patient link (a patient is linked through a device
association). A reading's sample id is its own bytes' digest (:func:`measurement_id`): the
monitor sends no sample or sequence number, and device time alone does not tell two measurements
of one minute, or of its two users, apart.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from devices.codecs.ieee11073 import sfloat
from devices.errors import CodecError
from devices.mapping import Fields, build_result
from devices.profile import DeviceProfile
from devices.results import DeviceResult, Quarantine, message_id
from devices.tolerance import ToleranceCounter

BP_UUID = "2a35"


def measurement_id(uuid: str, data: bytes) -> str:
    """The sample id of a reading from a device that sends no sample or sequence number (blood
    pressure, thermometer, oximeter spot-check, weight): its characteristic, a space and the first
    16 hex digits of the SHA-256 of its value bytes (:func:`devices.results.message_id`), the same
    in whatever record or capture carries it (``2a35 3f0c...``). The exactly-once key (device,
    sample id, test, device time) then takes a re-read of the same measurement for a duplicate,
    while another measurement of the same device time (a clock in minutes, another user) is
    another result, not a resend to drop."""
    return f"{uuid} {message_id(data)[:16]}"


@dataclass(frozen=True, slots=True)
class BpMeasurement:
    systolic: float | None
    diastolic: float | None
    mean_arterial: float | None
    unit: str  # "mm[Hg]" or "kPa"
    timestamp: datetime | None
    pulse: float | None
    user_id: int | None
    status: int | None


def decode_bp_measurement(data: bytes) -> BpMeasurement:
    """Decode one 0x2A35 indication; :class:`CodecError` names the missing field and length."""
    if len(data) < 7:
        raise CodecError(f"blood pressure measurement needs at least 7 bytes, got {len(data)}")
    flags = data[0]
    sys_, dia, mean = struct.unpack_from("<HHH", data, 1)
    pos = 7
    need = 7 + (7 if flags & 0x02 else 0) + (2 if flags & 0x04 else 0) + (1 if flags & 0x08 else 0)
    need += 2 if flags & 0x10 else 0
    if len(data) < need:
        raise CodecError(f"flags 0x{flags:02X} announce {need} bytes, got {len(data)}")
    timestamp = None
    if flags & 0x02:
        year, month, day, hour, minute, second = struct.unpack_from("<HBBBBB", data, pos)
        pos += 7
        if year and month and day:
            try:
                timestamp = datetime(year, month, day, hour, minute, second)
            except ValueError as exc:
                raise CodecError(f"time stamp {year}-{month}-{day} {hour}:{minute}:{second}: {exc}") from None
    pulse = None
    if flags & 0x04:
        pulse = sfloat(struct.unpack_from("<H", data, pos)[0])
        pos += 2
    user_id = None
    if flags & 0x08:
        user_id = data[pos]
        pos += 1
    status = struct.unpack_from("<H", data, pos)[0] if flags & 0x10 else None
    return BpMeasurement(
        sfloat(sys_),
        sfloat(dia),
        sfloat(mean),
        "kPa" if flags & 0x01 else "mm[Hg]",
        timestamp,
        pulse,
        user_id,
        status,
    )


def bp_results(
    profile: DeviceProfile,
    data: bytes,
    *,
    counter: ToleranceCounter | None = None,
    record: bytes | None = None,
) -> tuple[list[DeviceResult], list[Quarantine]]:
    """0x2A35 bytes -> results (vendor codes SYS, DIA, MAP, PR); bad bytes raise :class:`CodecError`,
    which ``devices.codecs.gatt_records`` quarantines saying the value ("in the 2a35 value of 5
    bytes: ..."), as for every other characteristic. A result's quarantine item (an unmapped code,
    a unit the profile does not take) keeps ``record``, the stored record's GATT lines, as the other
    vitals' do (``data`` when none is given)."""
    counter = counter or ToleranceCounter()
    m = decode_bp_measurement(data)
    when = m.timestamp.replace(tzinfo=profile.zone) if m.timestamp else None
    mid = message_id(data)
    sample = measurement_id(BP_UUID, data)
    results: list[DeviceResult] = []
    problems: list[Quarantine] = []
    readings = [("SYS", m.systolic, m.unit), ("DIA", m.diastolic, m.unit), ("MAP", m.mean_arterial, m.unit)]
    if m.pulse is not None or data[0] & 0x04:
        readings.append(("PR", m.pulse, "/min"))
    for code, value, unit in readings:
        f = Fields(
            protocol="ble",
            message_id=mid,
            sample_id=sample,
            patient_id=None,
            vendor_code=code,
            raw_value="" if value is None else f"{value:g}",
            device_unit=unit,
            status="final",
            qc=False,
            flags=(),
            observed_at=when,
            reference_range=None,
            byte_offset=0,
            comments=(f"monitor user {m.user_id}",) if m.user_id is not None else (),
        )
        result, problem = build_result(f, profile, counter, data if record is None else record)
        results.append(result)
        if problem is not None:
            problems.append(problem)
    return results, problems
