"""Bluetooth Glucose Service codecs (checklist item 26): Glucose Measurement 0x2A18 in every flag
combination, Context 0x2A34, the RACP 0x2A52 requests and responses, IEEE-11073 FLOAT/SFLOAT
specials, the GATT line format - and random bytes never crash any of them."""

from __future__ import annotations

import contextlib
import itertools
import struct
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.codecs import racp
from devices.codecs.gatt_glucose import decode_context, decode_measurement
from devices.codecs.gatt_lines import (
    GattBadLine,
    GattFailure,
    GattLineReader,
    GattValue,
    Subscribe,
    Write,
    full_uuid,
    parse_command,
    short_uuid,
    value_line,
)
from devices.codecs.gatt_records import TIME_UNKNOWN, decode_message, read_records
from devices.codecs.ieee11073 import decimal_text, float32_parts, sfloat_parts
from devices.errors import CodecError
from devices.profile import load_profile
from devices.results import NO_VALUE
from tests.devices.ble.meter import WHEN, context, measurement, response_code, sfloat_bits
from triage.intake import IntakeRefused, observation_from_result

PROFILE = load_profile("ble-glucose_meter")
FLAG_SETS = [sum(bits) for n in range(6) for bits in itertools.combinations([1, 2, 4, 8, 16], n)]


def glucose(m: bytes, c: bytes | None = None) -> list:  # type: ignore[type-arg]
    raw = value_line("2a18", m) + (value_line("2a34", c) if c is not None else b"")
    results, problems = decode_message(PROFILE, raw)
    assert not problems, problems
    return results


def _with_flags(flags: int) -> bytes:
    body = struct.pack("<H", 7) + struct.pack("<HBBBBB", 2026, 11, 20, 7, 30, 0)
    if flags & 0x01:
        body += struct.pack("<h", -15)
    if flags & 0x02:
        body += struct.pack("<HB", sfloat_bits(53, -4) if flags & 0x04 else sfloat_bits(95, -5), 0x11)
    if flags & 0x08:
        body += struct.pack("<H", 0x0001)
    return bytes([flags]) + body


@pytest.mark.parametrize("flags", FLAG_SETS)
def test_every_glucose_flag_combination_reads_the_right_fields(flags: int) -> None:
    m = decode_measurement(_with_flags(flags))
    assert m.sequence == 7
    assert m.time == (datetime(2026, 11, 20, 7, 15) if flags & 0x01 else datetime(2026, 11, 20, 7, 30))
    if flags & 0x02:
        assert m.value_and_unit() == (("5.3", "mmol/L") if flags & 0x04 else ("95", "mg/dL"))
        assert (m.sample_type, m.sample_location) == (1, 1)
    else:
        assert m.concentration is None and m.unit is None
    assert m.annunciations == (("battery_low",) if flags & 0x08 else ())
    assert m.context_follows == bool(flags & 0x10)


def test_units_become_the_vocabularys_exactly_and_triage_reads_mg_dl() -> None:
    (mg,) = glucose(measurement(1, (126, -5)))
    assert (mg.value, mg.unit, mg.code, mg.sample_id) == ("126", "mg/dL", "glucose_random", "seq 1")
    assert observation_from_result(mg).value == pytest.approx(6.99, abs=0.01)  # mmol/L
    (mmol,) = glucose(measurement(2, (111, -4), mol=True))
    assert (mmol.value, mmol.unit) == ("11.1", "mmol/L")
    assert decimal_text((1, -3), 5) == "100" and decimal_text((-5, 0)) == "-5"


def test_special_concentration_is_no_value_never_a_number() -> None:
    for special in (0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801):
        (r,) = glucose(measurement(1, special=special))
        assert r.value == "" and NO_VALUE in r.flags
        with pytest.raises(IntakeRefused, match="no value"):
            observation_from_result(r)


def test_control_solution_is_qc_and_never_feeds_triage() -> None:
    for type_location in (0x4A, 0x41, 0x1A):  # location 4 and/or type 10
        (r,) = glucose(measurement(1, type_location=type_location))
        assert r.qc
        with pytest.raises(IntakeRefused) as exc:
            observation_from_result(r)
        assert exc.value.reason == "qc"


def test_annunciations_are_flags_out_of_range_is_censored_and_bad_readings_are_held() -> None:
    (high,) = glucose(measurement(1, (600, -5), annunciation=0x0021))
    assert high.value == ">600" and high.status == "final"
    assert set(high.flags) == {"sensor:battery_low", "sensor:result_above_range"}
    assert observation_from_result(high).comparator == ">"
    (low,) = glucose(measurement(2, (20, -5), annunciation=0x0040))
    assert low.value == "<20"
    for bit, name in [(1, "sensor_malfunction"), (2, "sample_size_insufficient"), (11, "time_fault")]:
        (held,) = glucose(measurement(3, annunciation=1 << bit))
        assert held.status == "preliminary" and f"sensor:{name}" in held.flags
    (unknown_time,) = glucose(measurement(4, when=None))
    assert unknown_time.observed_at is None and unknown_time.status == "preliminary"
    assert TIME_UNKNOWN in unknown_time.flags


def test_fasting_context_gives_fasting_glucose_every_other_meal_random() -> None:
    (fasting,) = glucose(measurement(1, context=True), context(1, 3))
    assert (fasting.vendor_code, fasting.code) == ("GLU-FASTING", "glucose_fasting")
    assert "meal fasting" in fasting.comments
    for meal in (1, 2, 4, 5):
        (other,) = glucose(measurement(1, context=True), context(1, meal))
        assert other.code == "glucose_random"
    (alone,) = glucose(measurement(1, context=True))
    assert alone.code == "glucose_random" and "context announced but not received" in alone.comments


@pytest.mark.parametrize("extra", [0x00, 0x01, 0x04, 0x08, 0x10, 0x30, 0x80, 0x9D])
def test_context_optional_fields_do_not_shift_the_meal(extra: int) -> None:
    c = decode_context(context(9, 3, hba1c=(65, -1), extra=extra))
    assert (c.sequence, c.meal_name, c.hba1c) == (9, "fasting", (65, -1))


def test_truncated_or_inconsistent_bytes_name_the_field_and_offset() -> None:
    with pytest.raises(CodecError, match="glucose concentration at byte 10 needs 2 byte"):
        decode_measurement(measurement(1)[:11])
    with pytest.raises(CodecError, match="base time at byte 3 needs 7 bytes, only 2 left"):
        decode_measurement(measurement(1)[:5])
    with pytest.raises(CodecError, match="announce 13 bytes, got 14"):
        decode_measurement(measurement(1) + b"\x00")
    with pytest.raises(CodecError, match="is not a time"):
        decode_measurement(measurement(1, when=datetime(2026, 2, 28)).replace(b"\x02\x1c", b"\x02\x1e", 1))
    with pytest.raises(CodecError, match="meal at byte 3"):
        decode_context(context(1, 3)[:3])
    _, problems = decode_message(PROFILE, value_line("2a18", measurement(1)) + value_line("2a34", context(2)))
    assert problems[0].reason == "unparseable_message" and "does not match" in problems[0].detail


def test_racp_requests_and_responses() -> None:
    assert racp.all_records() == b"\x01\x01"
    assert racp.records_from(0x0102) == b"\x01\x03\x01\x02\x01"
    assert racp.last_record() == b"\x01\x06" and racp.abort() == b"\x03\x00"
    assert racp.number_of_records() == b"\x04\x01"
    assert racp.describe_request(racp.records_from(12)) == (
        "RACP report stored records, greater than or equal to sequence 12"
    )
    assert racp.parse_response(b"\x05\x00\x2a\x00") == racp.NumberOfRecords(42)
    done = racp.parse_response(response_code(racp.REPORT_RECORDS, racp.NO_RECORDS))
    assert done == racp.ResponseCode(1, 6) and done.text == "no records found"
    assert done.request == "report stored records"
    with pytest.raises(ValueError, match="outside 0-65535"):
        racp.records_from(70000)
    with pytest.raises(CodecError, match="RACP response code value at byte 3"):
        racp.parse_response(b"\x06\x00\x01")
    with pytest.raises(CodecError, match="is not a response"):
        racp.parse_response(b"\x01\x00")


def test_ieee11073_float_and_sfloat_specials_are_missing() -> None:
    assert sfloat_parts(sfloat_bits(-5, -1)) == (-5, -1)
    for special in (0x07FF, 0x0800, 0x07FE, 0x0802, 0x0801):
        assert sfloat_parts(special) is None
    assert float32_parts(0xFE000172) == (370, -2)  # 3.70: exponent 0xFE = -2
    for special in (0x007FFFFF, 0x00800000, 0x007FFFFE, 0x00800002, 0x00800001):
        assert float32_parts(special) is None
    assert float32_parts(0x00FFFFFF) == (-1, 0)


def test_gatt_lines_round_trip_and_bad_lines_are_reported() -> None:
    assert short_uuid("00002A18-0000-1000-8000-00805F9B34FB") == "2a18" == short_uuid("0x2A18")
    assert full_uuid("2a52") == "00002a52-0000-1000-8000-00805f9b34fb"
    reader = GattLineReader()
    got = reader.feed(b"2a18 0102\r\n# note\nsubscribe 2a18\n! 2a52 fe procedure already in progress\n2a1")
    got += reader.feed(b"8 zz\n")
    assert got[0] == GattValue("2a18", b"\x01\x02", 0)
    assert got[1] == GattFailure("2a52", 0xFE, "procedure already in progress", 33)
    assert isinstance(got[2], GattBadLine) and "not hex" in got[2].reason
    assert parse_command(b"write 2a52 0101") == Write("2a52", b"\x01\x01")
    assert parse_command(b"subscribe 0x2A18") == Subscribe("2a18")
    with pytest.raises(CodecError, match="not a GATT command"):
        parse_command(b"read 2a18")


def test_a_context_without_its_measurement_is_reported_not_stored() -> None:
    out = read_records(value_line("2a34", context(5)) + value_line("2a18", measurement(6)))
    assert [type(o).__name__ for o in out] == ["StrayValue", "AssembledRecord"]
    assert "sequence 5 without its measurement" in out[0].reason  # type: ignore[union-attr]


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40))
def test_random_bytes_never_crash_the_codecs(data: bytes) -> None:
    for decode in (decode_measurement, decode_context, racp.parse_response):
        with contextlib.suppress(CodecError):
            decode(data)
    for uuid in ("2a18", "2a35", "2a1c"):
        results, problems = decode_message(PROFILE, value_line(uuid, data))
        assert results or problems or uuid == "2a18"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=1, max_value=50))
def test_random_streams_never_crash_the_line_reader(data: bytes, cut: int) -> None:
    reader = GattLineReader()
    for i in range(0, len(data), cut):
        reader.feed(data[i : i + cut])
    reader.flush()
    read_records(data)


def test_measurement_time_offset_and_when() -> None:
    m = decode_measurement(measurement(3, offset_min=90))
    assert m.time == datetime(2026, 11, 20, 9, 0) and m.base_time == WHEN
