"""The gateway's ACK is in the message's character set (MSH-18), every segment of it. The ERR
segments were written as latin-1 while MSH and MSA followed MSH-18, and an error ACK's header was
read as latin-1 too: a UTF-8 or GB 18030 message whose refused field holds Chinese text got an ACK
quoting it as '?'. Over a real loopback MLLP connection to the real gateway and SQLite log (the
bundled simulator's HL7 monitor, SYNTHETIC patients). A message in UTF-16, or one whose MSH-18
names UNICODE UTF-16 or UTF-32, which MLLP's byte framing cannot carry, is refused naming MSH-18
and what to set instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: A site-defined message type whose trigger is Chinese text (化验, laboratory test), from a
#: device named in Chinese, for a patient named in Chinese: not a result message, so refused AR.
SEGMENTS = [
    "MSH|^~\\&|监护仪|病房|LIS|诊所|20260105083000||ZLS^化验|ZLS-1|P|2.5||||||{msh18}",
    "PID|1||SIM-P9||张三^测试",
]
SAID = "message type ZLS\\S\\化验 is not supported: the gateway takes results (ORU, OUL)"


@pytest.mark.parametrize(("msh18", "charset"), [("UNICODE UTF-8", "utf-8"), ("GB 18030-2000", "gb18030")])
def test_a_refusal_quoting_chinese_text_is_written_whole_in_the_message_charset(
    tmp_path: Path, msh18: str, charset: str
) -> None:
    raw = ("\r".join(SEGMENTS).format(msh18=msh18) + "\r").encode(charset)
    ack, status, _ = sent_alone(tmp_path / "clinic.db", raw, results=0)
    text = ack.decode(charset)  # strict: one undecodable byte fails here
    assert "?" not in text, text
    msh, msa, err = text.rstrip("\r").split("\r")
    assert msh.split("|")[2:6] == ["LIS", "诊所", "监护仪", "病房"]  # echoed as sent
    assert msh.split("|")[-1] == msh18
    assert msa.split("|") == ["MSA", "AR", "ZLS-1", SAID]
    assert err == f"ERR||MSH^1^9|200^Unsupported message type^HL70357|E|||{SAID}|{SAID}"
    assert dict(status.unhandled) == {"ZLS^化验 message": 1}


def test_an_accept_ack_warning_is_in_the_message_charset_too(tmp_path: Path) -> None:
    """The AA of a stored GB 18030 message with a segment that could not be read: its ERR
    warning (ASCII text) is GB 18030 like the MSH that echoes the Chinese names."""
    segments = [
        "MSH|^~\\&|监护仪|病房|LIS|诊所|20260105083000||ORU^R01|CTL-1|P|2.5||||||GB 18030-2000",
        "PID|1||SIM-P9||张三^测试",
        "2OBX|2|NM|HR||131|/min|||||F",
    ]
    raw = ("\r".join(segments) + "\r").encode("gb18030")
    ack, _, _ = sent_alone(tmp_path / "clinic.db", raw, results=0)
    msh, msa, err = ack.decode("gb18030").rstrip("\r").split("\r")
    assert msh.split("|")[2:6] == ["LIS", "诊所", "监护仪", "病房"]
    assert msa.split("|")[:3] == ["MSA", "AA", "CTL-1"]
    assert err.startswith("ERR|||100^Segment sequence error^HL70357|W|||1 segment not used: ")


@pytest.mark.parametrize("msh18", ["UNICODE UTF-16", "UNICODE UTF-32"])
def test_msh18_naming_a_wide_unicode_form_is_refused_naming_msh18_and_utf8(
    tmp_path: Path, msh18: str
) -> None:
    """It was 'not supported (known: ...)', a list without the one to choose."""
    raw = ("\r".join(SEGMENTS).format(msh18=msh18).replace("ZLS^化验", "ORU^R01") + "\r").encode("utf-8")
    ack, status, _ = sent_alone(tmp_path / "clinic.db", raw, results=0)
    _, msa, err = ack.decode("latin-1").rstrip("\r").split("\r")
    assert "监护仪".encode() in ack  # no character set to read it in: its bytes go back as sent
    at = raw.index(msh18.encode())
    said = (
        f'byte {at}: MSH-18 character set "{msh18}": MLLP\'s byte framing cannot carry it: set the'
        " device's character set (MSH-18) to UNICODE UTF-8"
    )
    assert msa.split("|")[:3] == ["MSA", "AE", "ZLS-1"]
    assert err == f"ERR||MSH^1^18|103^Table value not found^HL70357|E|||{said}|{said}"
    assert status.quarantined == 1


def test_a_message_in_utf16_is_refused_naming_msh18_and_utf8(tmp_path: Path) -> None:
    """It was 'HL7 message must start with MSH, got "M\\u0000S\\u0000H..."'."""
    raw = ("\r".join(SEGMENTS).format(msh18="UNICODE") + "\r").encode("utf-16-le")
    ack, _, _ = sent_alone(tmp_path / "clinic.db", raw, results=0)
    _, msa, err = ack.decode("ascii").rstrip("\r").split("\r")
    said = (
        "byte 0: the message is in UTF-16 or UTF-32 (a byte-order mark, or NUL bytes in MSH): MLLP's"
        " byte framing cannot carry it: set the device's character set (MSH-18) to UNICODE UTF-8"
    )
    assert msa.split("|")[:2] == ["MSA", "AE"]
    assert err == "ERR|MSH^1^18^103&Table value not found&HL70357"
    assert said[:77] in msa
