"""Bluetooth LE Weight Measurement 0x2A9D (checklist item 26): every flag combination, the fixed
steps of the spec (0.005 kg / 0.01 lb, 0.001 m / 0.1 in, BMI 0.1), "measurement unsuccessful" ->
no value (never 0), pounds and inches converted by triage, the scale's BMI and height as
readings, truncated bytes -> a clear error, random bytes never crash."""

from __future__ import annotations

import contextlib
import struct
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.codecs.gatt_lines import value_line
from devices.codecs.gatt_records import decode_message
from devices.codecs.gatt_weight import decode_weight
from devices.errors import CodecError, ProfileError
from devices.profile import load_profile, profile_from_dict
from devices.results import NO_VALUE
from tests.devices.ble.meter import date_time
from triage.intake import IntakeRefused, observation_from_result

SCALE = load_profile("ble-weight_scale")
WHEN = datetime(2026, 11, 20, 9, 5)
RECEIVED = datetime(2026, 11, 20, 9, 6, tzinfo=UTC)


def weight(flags: int, raw: int = 14070, *, user: int = 3, bmi: int = 243, height: int = 1702) -> bytes:
    """A 0x2A9D value: by default 70.35 kg (14070 x 0.005), BMI 24.3, height 1.702 m."""
    data = bytes([flags]) + struct.pack("<H", raw)
    if flags & 0x02:
        data += date_time(WHEN)
    if flags & 0x04:
        data += bytes([user])
    if flags & 0x08:
        data += struct.pack("<HH", bmi, height)
    return data


@pytest.mark.parametrize("flags", range(16))
def test_every_weight_flag_combination_reads_the_right_fields(flags: int) -> None:
    m = decode_weight(weight(flags))
    imperial = bool(flags & 1)
    assert (m.weight, m.weight_unit) == (((14070, -2), "[lb_av]") if imperial else ((70350, -3), "kg"))
    assert m.timestamp == (WHEN if flags & 2 else None)
    assert m.user == (3 if flags & 4 else None)
    assert m.bmi == ((243, -1) if flags & 8 else None)
    if not flags & 8:
        assert m.height is None
    elif imperial:
        assert (m.height, m.height_unit) == ((1702, -1), "[in_i]")  # 170.2 in
    else:
        assert (m.height, m.height_unit) == ((1702, -1), "cm")  # 1.702 m = 170.2 cm


def test_weight_height_and_bmi_reach_triage_in_kilograms_and_centimetres() -> None:
    results, problems = decode_message(SCALE, value_line("2a9d", weight(0x0E)))
    assert problems == []
    assert [(r.vendor_code, r.code, r.value, r.unit, r.status) for r in results] == [
        ("WT", "weight", "70.35", "kg", "final"),
        ("BMI", "bmi", "24.3", "kg/m2", "final"),
        ("HT", "height", "170.2", "cm", "final"),
    ]
    assert all("scale user 3" in r.comments and r.patient_id is None for r in results)
    assert results[0].observed_at is not None and results[0].observed_at.hour == 9
    # imperial: 154.00 lb and 65.5 in, converted by triage
    (w, _bmi, h), _ = decode_message(SCALE, value_line("2a9d", weight(0x09, 15400, height=655)))
    assert (w.value, w.unit, h.value, h.unit) == ("154", "[lb_av]", "65.5", "[in_i]")
    assert observation_from_result(w, received_at=RECEIVED).value == pytest.approx(69.853, abs=0.001)
    assert observation_from_result(h, received_at=RECEIVED).value == pytest.approx(166.37)


def test_an_unsuccessful_measurement_is_no_value_never_zero() -> None:
    results, _ = decode_message(SCALE, value_line("2a9d", weight(0x0C, 0xFFFF, user=0xFF)))
    wt, bmi, ht = results
    for r in (wt, bmi):  # the scale's BMI of a failed weighing is no value either
        assert r.value == "" and NO_VALUE in r.flags and "measurement unsuccessful" in r.comments
        with pytest.raises(IntakeRefused):
            observation_from_result(r, received_at=RECEIVED)
    assert ht.value == "170.2" and "scale user unknown" in ht.comments


def test_a_coarse_scale_sends_multiples_of_the_fixed_step() -> None:
    # A scale that weighs to 0.1 kg (its Weight Scale Feature says so) still counts 0.005 kg
    # steps: 70.4 kg is 14080. The feature is never needed to read the weight.
    (w, _bmi, h), _ = decode_message(SCALE, value_line("2a9d", weight(0x08, 14080, height=1700)))
    assert (w.value, h.value) == ("70.4", "170")
    # the largest weight the field can carry is 327.67 kg (0xFFFE steps); 0xFFFF is no value
    assert decode_weight(weight(0x00, 0xFFFE)).weight == (5 * 0xFFFE, -3)


def test_the_sampling_settings_belong_to_continuous_oximetry_only() -> None:
    data = SCALE.model_dump(exclude_defaults=True)
    data["ble"] = {**data["ble"], "store_every": 30, "store_pulse_change": 3}
    with pytest.raises(
        ProfileError,
        match='store_every, store_pulse_change applies to service "pulse_oximeter_continuous" only',
    ):
        profile_from_dict(data)


def test_truncated_weights_name_the_field_and_offset() -> None:
    with pytest.raises(CodecError, match="weight at byte 1 needs 2 byte"):
        decode_weight(b"\x00\x10")
    with pytest.raises(CodecError, match="weight time stamp at byte 3 needs 7 bytes"):
        decode_weight(weight(0x02)[:-2])
    with pytest.raises(CodecError, match="weight user id at byte 3 needs 1 byte"):
        decode_weight(weight(0x04)[:-1])
    with pytest.raises(CodecError, match="weight BMI at byte 10 needs 2 byte"):
        decode_weight(weight(0x0A)[:11])
    with pytest.raises(CodecError, match="weight height at byte 5 needs 2 byte"):
        decode_weight(weight(0x08)[:-1])
    with pytest.raises(CodecError, match="announce 3 bytes, got 4"):
        decode_weight(weight(0x00) + b"\x00")
    (problem,) = decode_message(SCALE, value_line("2a9d", weight(0x08)[:-1]))[1]
    assert problem.reason == "unparseable_message" and "weight height at byte 5" in problem.detail


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=24))
def test_random_bytes_never_crash_the_weight_codec(data: bytes) -> None:
    with contextlib.suppress(CodecError):
        decode_weight(data)
    results, problems = decode_message(SCALE, value_line("2a9d", data))
    assert results or problems
