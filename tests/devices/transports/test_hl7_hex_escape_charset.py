"""HL7's ``\\Xdd..\\`` escape (hexadecimal data, HL7 v2.5.1 2.7) gives bytes, which were always read
as Latin-1: a UTF-8 or GB 18030 device writing a name or a reference range as hex bytes got it
back as mojibake (张三 as UTF-8 hex became 'å¼\\xa0ä¸\\x89', ≥95 became 'â\\x89¥95'). The bytes are
now read in the message's character set (MSH-18, else the profile's encoding; ASCII's hex bytes
as Latin-1, as before), and bytes that set cannot read are kept as the escape text sent rather
than read as invented characters. Through the real codec and over a real loopback MLLP connection
to the real gateway and SQLite log (the bundled simulator's HL7 monitor, SYNTHETIC patients)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from devices.codecs.hl7 import parse_message
from tests.devices.codecs.test_hl7 import profile
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: A monitor's ORU^R01: MSH-18, the patient's name (PID-5) and the SpO2's reference range (OBX-7).
ORU = (
    f"MSH|^~\\&|MONITOR|WARD|LIS|LAB|{NOW}||ORU^R01|CTL-1|P|2.5||||||{{msh18}}\r"
    "PID|1||SIM-P1||{name}\rOBR|1|SIM-S1\r"
    f"OBX|1|NM|SPO2||97|%|{{reference}}||||F|||{NOW}\r"
)


def _message(msh18: str, name: str, *, reference: str = "", charset: str = "ascii") -> bytes:
    return ORU.format(msh18=msh18, name=name, reference=reference).encode(charset)


@pytest.mark.parametrize(
    ("msh18", "encoding", "hex_name", "name"),
    [
        ("UNICODE UTF-8", "latin-1", "\\XE5BCA0E4B889\\", "张三"),
        ("GB 18030-2000", "latin-1", "\\XD5C5C8FD\\", "张三"),
        ("", "gb18030", "\\XD5C5C8FD\\", "张三"),  # no MSH-18: the profile's encoding
        ("BIG-5", "latin-1", "\\XA4FDB07C\\", "王院"),  # 院's second byte is '|': data, not a field
        ("ISO IR87", "ascii", "\\X1B2442467C4B5C1B2842\\", "日本"),
        ("8859/5", "latin-1", "\\XB8D2D0DD\\", "Иван"),
    ],
)
def test_hex_bytes_are_read_in_the_message_character_set(
    msh18: str, encoding: str, hex_name: str, name: str
) -> None:
    pid = parse_message(_message(msh18, f"{hex_name}^TEST"), profile(encoding=encoding)).all("PID")[0]
    assert pid.components(5) == [name, "TEST"]


@pytest.mark.parametrize(("msh18", "encoding"), [("ASCII", "ascii"), ("", "latin-1"), ("8859/1", "ascii")])
def test_ascii_and_latin1_messages_read_hex_bytes_as_latin1_as_before(msh18: str, encoding: str) -> None:
    pid = parse_message(_message(msh18, "REN\\XC9\\E^TEST"), profile(encoding=encoding)).all("PID")[0]
    assert pid.components(5) == ["RENÉE", "TEST"]


@pytest.mark.parametrize(
    ("msh18", "hex_name"),
    [("UNICODE UTF-8", "\\XE9\\"), ("UNICODE UTF-8", "\\XE5BC\\"), ("GB 18030-2000", "\\X81\\")],
)
def test_hex_bytes_the_character_set_cannot_read_are_kept_as_sent(msh18: str, hex_name: str) -> None:
    """A lone UTF-8 lead byte, half a character: no character is invented from them."""
    pid = parse_message(_message(msh18, f"A{hex_name}B^TEST"), profile()).all("PID")[0]
    assert pid.components(5) == [f"A{hex_name}B", "TEST"]


def test_a_utf8_reference_range_sent_as_hex_is_stored_whole_over_loopback_mllp(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    raw = _message("UNICODE UTF-8", "张三^测试", reference="\\XE289A5\\95", charset="utf-8")
    ack, status, delivered = sent_alone(db_path, raw, results=1)
    assert ack.decode("utf-8").rstrip("\r").split("\r")[1] == "MSA|AA|CTL-1"
    assert [r.stored.value for r in delivered] == ["97"] and status.quarantined == 0
    with sqlite3.connect(db_path) as conn:
        ((details,),) = conn.execute("SELECT details FROM device_results").fetchall()
    assert json.loads(details)["reference_range"] == "≥95"
