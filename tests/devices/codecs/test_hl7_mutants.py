"""HL7 fields and offsets no test held (the mutation pass of devices/codecs/hl7.py, not run
before: 266 mutants, 125 alive under test_hl7.py and test_message_values.py; each case here fails
against at least one): every offset of a message read at a stream's byte 100 counted from there,
the first 10 characters of a message that is no MSH, MSH-7 dating a result without its own time,
PID-2 and OBR-2 standing in for an empty PID-3 and OBR-3, MSH-11 T giving a training result, and a
repeated OBX-5 named by OBX-1 and its test."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from devices.codecs.hl7 import decode_message, parse_message, unsupported_type
from devices.results import DeviceResult, Quarantine
from tests.devices.codecs.wire import strict_profile

PROFILE = strict_profile(protocol="hl7")
MSH = "MSH|^~\\&|Lab|X|||20261206101500||ORU^R01|M1|P|2.5\r"


def _decode(*segments: str, base_offset: int = 0) -> tuple[list[DeviceResult], list[Quarantine]]:
    return decode_message(
        PROFILE, (MSH + "".join(s + "\r" for s in segments)).encode(), base_offset=base_offset
    )


def test_every_offset_is_counted_from_the_messages_place_in_the_stream() -> None:
    obx = len(MSH) + len("PID|1||P1\rOBR|1||S1\r")
    results, problems = _decode(
        "PID|1||P1",
        "OBR|1||S1",
        "OBX|1|NM|GLU||5.6|mmol/L|||||F|||2026-13-45",  # a timestamp that is no time
        "OBX|2|NM|CREA||5~6|umol/L|||||F",  # two values
        base_offset=100,
    )  # lines 345, 383, 412
    assert [r.byte_offset for r in results] == [100 + obx]
    assert sorted((p.reason, p.byte_offset) for p in problems if p.reason != "unmapped_code") == [
        ("bad_timestamp", 100 + obx),
        ("repeated_value", 100 + obx + len("OBX|1|NM|GLU||5.6|mmol/L|||||F|||2026-13-45\r")),
    ]
    _, (problem,) = decode_message(PROFILE, b"MSH|^~", base_offset=100)  # an error at byte 4 (line 321)
    assert problem.byte_offset == 104


def test_a_message_that_is_no_msh_is_shown_by_its_first_10_characters() -> None:
    _, (problem,) = decode_message(PROFILE, b"PID|1|23456789")  # line 233
    assert problem.detail == 'byte 0: HL7 message must start with MSH, got "PID|1|2345"'


def test_the_messages_time_dates_a_result_that_has_no_time_of_its_own() -> None:
    (result,), _ = _decode("PID|1||P1", "OBR|1||S1", "OBX|1|NM|GLU||5.6|mmol/L|||||F")  # MSH-7 (line 349)
    assert result.observed_at == datetime(2026, 12, 6, 10, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_pid2_and_obr2_stand_in_for_an_empty_pid3_and_obr3() -> None:
    (result,), _ = _decode("PID|1|P2|", "OBR|1|S2|", "OBX|1|NM|GLU||5.6|mmol/L|||||F")  # lines 352, 355
    assert (result.patient_id, result.sample_id) == ("P2", "S2")


def test_a_training_message_gives_training_results() -> None:
    raw = MSH.replace("|M1|P|", "|M1|T|") + "PID|1||P1\rOBR|1||S1\rOBX|1|NM|GLU||5.6|mmol/L|||||F\r"
    (result,), _ = decode_message(PROFILE, raw.encode())  # MSH-11 T (line 328)
    assert (result.qc, result.flags) == (True, ("training_message",))


def test_a_repeated_value_is_named_by_its_set_id_and_test() -> None:
    results, problems = _decode("PID|1||P1", "OBR|1||S1", "OBX|7|NM|GLU||5.6~5.7|mmol/L|||||F")  # 382, 384
    assert results == [] and [p.reason for p in problems] == ["repeated_value"]
    assert problems[0].detail.startswith('OBX 7 test "GLU": OBX-5 holds 2 values')


def test_a_field_is_read_from_its_first_repetition_and_a_value_without_its_empty_components() -> None:
    (result,), _ = _decode("PID|1||P1~P9", "OBR|1||S1", "OBX|1|NM|GLU||5.6^^|mmol/L|||||F")  # lines 106, 389
    assert (result.patient_id, result.raw_value) == ("P1", "5.6")


def test_a_code_from_obx3s_text_component() -> None:
    profile = strict_profile(protocol="hl7", hl7={"code_from": "obx3_text"})  # line 362
    results, problems = decode_message(profile, (MSH + "OBX|1|NM|1^GLU||5.6|mmol/L|||||F\r").encode())
    assert [r.vendor_code for r in results] == ["GLU"]
    results, problems = decode_message(profile, (MSH + "OBX|1|NM|GLU||5.6|mmol/L|||||F\r").encode())
    assert results == [] and [p.reason for p in problems] == ["no_test_code"]


def test_an_unsupported_message_type_is_named_by_its_first_two_components() -> None:
    def named(msh9: str) -> str | None:
        return unsupported_type(parse_message(MSH.replace("ORU^R01", msh9).encode(), PROFILE))

    # lines 152-155: a result message or an acknowledgement is never unsupported
    assert (named("ADT^A01^ADT_A01"), named("QRY"), named("ORU^R01"), named("oul^r22"), named("ACK")) == (
        "ADT^A01",
        "QRY",
        None,
        None,
        None,
    )


def test_a_parse_error_is_placed_in_its_segment_and_field() -> None:
    """``byte N (OBX-5 of OBX 2): ...``: the segment by name and its sequence among segments of
    that name, the field counted from the segment's start (MSH from MSH-1, the separator), or the
    segment alone for a segment end (lines 183-222, untested by the codecs tests)."""
    utf8 = strict_profile(protocol="hl7", encoding="utf-8")
    said = "is not valid utf-8 (MSH-18 absent, profile encoding utf-8)"
    cases = [
        (MSH + "PID|1||P1\rOBX|1|NM|GLU||5.6|mmol/L\rOBX|2|NM|CREA||9\udcff|umol/L\r", "OBX-5 of OBX 2"),
        ("MSH|^~\\&|L\udcffb|X|||20261206101500||ORU^R01|M1|P|2.5\rPID|1\r", "MSH-3 of MSH 1"),
    ]
    for text, place in cases:
        raw = text.encode("utf-8", "surrogateescape")
        _, (problem,) = decode_message(utf8, raw)
        assert problem.detail == f"byte {raw.index(0xFF)} ({place}): byte 0xFF {said}"
    raw = (MSH + "PID|1||P1\nOBX|1|NM|GLU||5.6|mmol/L\r").encode()
    _, (problem,) = decode_message(utf8, raw)
    at = raw.index(b"\n")
    assert problem.detail.startswith(f"byte {at} (segment PID 1): LF in HL7 message")
