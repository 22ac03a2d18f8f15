"""ASTM E1394's ``&Xhh..&`` (hexadecimal data) was read as Latin-1 whatever the profile's encoding,
as HL7's ``\\Xhh..\\`` was (``tests/devices/transports/test_hl7_hex_escape_charset.py``): a GB 18030
or UTF-8 analyzer's name or reference range sent as hex bytes came back as mojibake. The bytes are
read in the profile's encoding, the one the records are read in (ASCII's as Latin-1), and kept as
the escape text sent where it cannot read them. Through the real codec."""

from __future__ import annotations

import pytest

from devices.codecs.astm_records import decode_message, parse_message
from tests.devices.codecs.wire import strict_profile

HEADER = b"H|\\^&|||ANALYZER|||||||P|1|20240301101500\r"


def _message(name: bytes, reference: bytes = b"3.9-6.1") -> bytes:
    return (
        HEADER
        + b"P|1||PAT-9||"
        + name
        + b"^TEST\rO|1|S-1||^^^GLU\rR|1|^^^GLU|7.8|mmol/L|"
        + reference
        + b"|H||F||||20240301101400\rL|1|N\r"
    )


@pytest.mark.parametrize(
    ("encoding", "hex_name", "name"),
    [
        ("gb18030", b"&XD5C5C8FD&", "张三"),
        ("utf-8", b"&XE5BCA0E4B889&", "张三"),
        ("cp1251", b"&XC8E2E0ED&", "Иван"),
    ],
)
def test_hex_bytes_are_read_in_the_profile_encoding(encoding: str, hex_name: bytes, name: str) -> None:
    message = parse_message(_message(hex_name), strict_profile(encoding=encoding))
    (patient,) = [r for r in message.records if r.type == "P"]
    assert patient.components(6) == [name, "TEST"]


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_latin1_and_ascii_profiles_read_hex_bytes_as_latin1_as_before(encoding: str) -> None:
    message = parse_message(_message(b"REN&XC9&E"), strict_profile(encoding=encoding))
    (patient,) = [r for r in message.records if r.type == "P"]
    assert patient.components(6) == ["RENÉE", "TEST"]


def test_hex_bytes_the_encoding_cannot_read_are_kept_as_sent() -> None:
    message = parse_message(_message(b"A&XE9&B"), strict_profile(encoding="utf-8"))
    (patient,) = [r for r in message.records if r.type == "P"]
    assert patient.components(6) == ["A&XE9&B", "TEST"]


def test_a_utf8_reference_range_sent_as_hex_reaches_the_result_whole() -> None:
    profile = strict_profile(encoding="utf-8", mapping={"GLU": {"code": "glucose_random", "unit": "mmol/L"}})
    results, problems = decode_message(profile, _message(b"WANG", reference=b"&XE289A4&6.1"))
    assert problems == [] and [(r.value, r.reference_range) for r in results] == [("7.8", "≤6.1")]
