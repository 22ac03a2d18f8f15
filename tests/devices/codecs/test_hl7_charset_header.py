"""MSH-18 found past names whose characters hold a delimiter byte, and MSH-18 ``UNICODE`` (checklist
item 20), through the real codec. In Big5 院 (hospital) is B0 7C: every Taiwanese hospital name
ending in 醫院 holds a ``|`` byte, which cut MSH-4 in two when the MSH line was split as bytes, so
MSH-18 BIG-5 was read from MSH-17 and the message refused or misread. Table 0211's ``UNICODE``
(ISO/IEC 10646, deprecated from v2.5) is read as UTF-8 (as HAPI reads it; UCS-2 and UTF-16 never
get that far, ``test_hl7_ack_charset.py``); bytes declared so that are not UTF-8 are refused saying
so and what to set, where the refusal said only that a byte is not valid utf-8."""

from __future__ import annotations

import pytest

from devices.codecs.hl7 import Hl7ParseError, decode_message, parse_message
from devices.codecs.hl7_ack import build_error_ack
from devices.codecs.hl7_charset import ascii_inside_characters
from tests.devices.codecs.test_hl7 import profile

#: Taipei Veterans General Hospital, as a Taiwanese analyzer writes it in Big5.
TAIPEI = "臺北榮民總醫院"


def _oru(msh4: str, msh18: str, name: str = "王麗") -> str:
    return (
        f"MSH|^~\\&|BC-5380|{msh4}|LIS|LAB|20240301101500||ORU^R01|MSG0001|P|2.5||||||{msh18}\r"
        f"PID|1||PAT-9^^^CLINIC||{name}||19600101|F\r"
        "OBX|1|NM|GLU^Glucose^LN||7.8|mmol/L|3.9-6.1|H|||F|||20240301101400\r"
    )


def test_msh18_big5_is_found_past_a_hospital_name_whose_bytes_hold_the_field_separator() -> None:
    raw = _oru(TAIPEI, "BIG-5").encode("big5")
    assert "院".encode("big5") == b"\xb0|"
    message = parse_message(raw, profile(encoding="latin-1"))
    assert (message.charset, message.control_id, message.message_type) == ("big5", "MSG0001", "ORU")
    assert message.msh.raw(4) == TAIPEI and message.all("PID")[0].raw(5) == "王麗"
    results, problems = decode_message(profile(encoding="latin-1"), raw)
    assert [(r.vendor_code, r.value) for r in results] == [("GLU", "7.8")] and problems == []


def test_a_utf8_message_stays_utf8_under_a_gb18030_profile() -> None:
    """A GB 18030 reading would pair 诊's last UTF-8 byte with the ``|`` after it: MSH-18 read as
    bytes names UTF-8, whose characters never hold a delimiter, so the byte split stands."""
    raw = _oru("诊", "UNICODE UTF-8").encode("utf-8")
    assert len("诊".encode()) % 2 == 1 and ascii_inside_characters("gb18030")
    message = parse_message(raw, profile(encoding="gb18030"))
    assert (message.charset, message.msh.raw(4), message.control_id) == ("utf-8", "诊", "MSG0001")


def test_unicode_is_read_as_utf8() -> None:
    message = parse_message(_oru("诊所", "UNICODE").encode("utf-8"), profile())
    assert (message.charset, message.all("PID")[0].raw(5)) == ("utf-8", "王麗")


def test_unicode_bytes_that_are_not_utf8_are_refused_saying_how_unicode_is_read() -> None:
    """A device declaring UNICODE but writing GB 18030 (王 is CD F5): kept in quarantine, and the
    error ACK says what UNICODE is read as and what to set."""
    raw = _oru("LAB", "UNICODE").encode("gb18030")
    at = raw.index("王".encode("gb18030"))
    _, (problem,) = decode_message(profile(), raw)
    assert problem.reason == "undecodable_bytes" and problem.raw == raw and problem.byte_offset == at
    said = (
        f"byte {at}: byte 0xCD is not valid utf-8 (MSH-18 UNICODE, profile encoding latin-1): MSH-18"
        " UNICODE (table 0211's ISO/IEC 10646, deprecated from v2.5) is read as UTF-8, the only form of"
        " it MLLP's byte framing can carry, and these bytes are not UTF-8: set the device's character"
        " set (MSH-18) to UNICODE UTF-8, or to the set it writes (GB 18030, 8859/1...)"
    )
    assert problem.detail == said.replace(f"byte {at}:", f"byte {at} (PID-5 of PID 1):")
    with pytest.raises(Hl7ParseError) as refused:
        parse_message(raw, profile())
    ack = build_error_ack(raw, refused.value, profile())
    assert ack is not None
    assert ack.split(b"\r")[1].startswith(b"MSA|AE|MSG0001|byte ")
    assert said.encode("latin-1") in ack, ack
