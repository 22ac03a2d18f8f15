"""BLE Blood Pressure Measurement 0x2A35 and SFLOAT (checklist item 26, codec part)."""

from __future__ import annotations

import itertools
import struct

import pytest

from devices.codecs.gatt import bp_results, decode_bp_measurement, sfloat
from devices.errors import CodecError
from devices.profile import load_profile
from devices.results import NO_VALUE
from triage.intake import observation_from_result


def sf(mantissa: int, exponent: int = 0) -> int:
    return ((exponent & 0xF) << 12) | (mantissa & 0x0FFF)


def test_sfloat_values_and_specials() -> None:
    assert sfloat(sf(120)) == 120.0
    assert sfloat(sf(1600, -1)) == 160.0
    assert sfloat(sf(-5, 1)) == -50.0
    for special in (0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801):
        assert sfloat(special) is None


def build(flags: int, sys_: int, dia: int, mean: int, pulse: int | None = None) -> bytes:
    data = bytes([flags]) + struct.pack("<HHH", sys_, dia, mean)
    if flags & 0x02:
        data += struct.pack("<HBBBBB", 2024, 11, 25, 10, 30, 5)
    if flags & 0x04:
        data += struct.pack("<H", pulse if pulse is not None else 0x07FF)
    if flags & 0x08:
        data += bytes([3])
    if flags & 0x10:
        data += struct.pack("<H", 0x0001)
    return data


@pytest.mark.parametrize(
    "flags", [sum(bits) for n in range(6) for bits in itertools.combinations([1, 2, 4, 8, 16], n)]
)
def test_every_flag_combination_reads_the_right_fields(flags: int) -> None:
    m = decode_bp_measurement(build(flags, sf(128), sf(82), sf(97), sf(74)))
    assert (m.systolic, m.diastolic, m.mean_arterial) == (128.0, 82.0, 97.0)
    assert m.unit == ("kPa" if flags & 1 else "mm[Hg]")
    assert (m.timestamp is not None) == bool(flags & 2)
    assert m.pulse == (74.0 if flags & 4 else None)
    assert m.user_id == (3 if flags & 8 else None)
    assert m.status == (1 if flags & 16 else None)


def test_truncated_indication_is_a_clear_error() -> None:
    with pytest.raises(CodecError, match="announce 16 bytes, got 14"):
        decode_bp_measurement(build(0x06, sf(128), sf(82), sf(97), sf(74))[:-2])


def test_kpa_reading_becomes_mmhg_in_triage_and_specials_are_missing() -> None:
    prof = load_profile("bp-monitor")
    results, _problems = bp_results(prof, build(0x07, sf(160, -1), sf(107, -1), 0x07FF, sf(70)))
    sys_, _dia, mean, pr = results
    assert (sys_.value, sys_.unit, pr.value) == ("16", "kPa", "70")
    assert NO_VALUE in mean.flags and mean.value == ""
    obs = observation_from_result(sys_)
    assert obs.unit == "mm[Hg]" and obs.value == pytest.approx(120.0, abs=0.01)
    with pytest.raises(CodecError, match="needs at least 7 bytes, got 2"):
        bp_results(prof, b"\x00\x01")  # quarantined by gatt_records, naming the value


def test_the_monitors_user_id_is_kept_but_never_taken_for_a_patient_id() -> None:
    results, _ = bp_results(load_profile("ble-bp_monitor"), build(0x08, sf(128), sf(82), sf(97)))
    assert all(r.patient_id is None and "monitor user 3" in r.comments for r in results)
