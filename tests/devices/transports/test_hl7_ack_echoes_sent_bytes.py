"""The ACK echoes the sender's MSH-3 to MSH-6 and MSH-10 as their bytes were sent. It wrote them
back from their text with ``errors="replace"``: a facility name ending in JIS X 0212's TILDE (22 37
after ESC $ ( D, read as U+FF5E, which ISO-2022-JP-1's table cannot write) went back with ``?``
for it - the sender's own facility name changed, and receivers match on it. Worse, a TILDE in
MSH-3 to MSH-17 broke the reading of the message itself (MSH-18's byte was counted by writing the
header's text back: ``UnicodeEncodeError``). Names written with the older designation ESC $ @
(JIS C 6226-1978, which Python reads and writes back as ESC $ B) come back as sent too. And a
message whose MSH-18 names ``ISO IR87`` alone but holds a JIS X 0212 character (ESC $ ( D) was
answered 'byte 0x1B is not valid iso2022_jp': it now names the field and says to add ISO IR159.
Over a real loopback MLLP connection to the real gateway and SQLite log (the bundled simulator's
HL7 monitor, SYNTHETIC patients) and through the real codec."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devices.codecs.hl7 import Hl7ParseError, decode_message, parse_message
from devices.codecs.hl7_charset import decode, encode
from tests.devices.codecs.test_hl7 import profile
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: モニタ (monitor) with ESC $ @, JIS X 0208's older designation, as some Japanese devices send it.
APPLICATION = b"\x1b$@%b%K%?\x1b(B"
#: 鷗外病院鷗～: JIS X 0212's 鷗 (6C 3F) around JIS X 0208's 外病院, ending in JIS X 0212's TILDE.
FACILITY = b"\x1b$(Dl?\x1b$B30IB1!\x1b$(Dl?\x22\x37\x1b(B"
#: 検査室 (laboratory), the receiving facility, in ISO-2022-JP.
LABORATORY = "検査室".encode("iso2022_jp")


def _message(
    control: str, *, kind: str = "ORU^R01", msh18: str = "~ISO IR87~ISO IR159", pid: bytes = b""
) -> bytes:
    head = [b"MSH", b"^~\\&", APPLICATION, FACILITY, b"LIS", LABORATORY, NOW.encode(), b"", kind.encode()]
    msh = b"|".join([*head, control.encode(), b"P", b"2.5", b"", b"", b"", b"", b"", msh18.encode()])
    rest = [b"PID|1||SIM-P1||" + pid, b"OBR|1|SIM-S1", f"OBX|1|NM|SPO2||97|%|||||F|||{NOW}".encode()]
    return b"\r".join([msh, *rest]) + b"\r"


def _echoed() -> bytes:
    """The ACK's MSH-3 to MSH-6 as they should be: the message's MSH-5, 6, 3, 4 bytes as sent."""
    return b"MSH|^~\\&|LIS|" + LABORATORY + b"|" + APPLICATION + b"|" + FACILITY + b"|"


def test_the_facility_name_reads_whole_with_its_tilde() -> None:
    message = parse_message(_message("CTL-0"), profile())
    assert (message.msh.raw(3), message.msh.raw(4)) == ("モニタ", "鷗外病院鷗\uff5e")
    assert message.msh.raw(18) == "~ISO IR87~ISO IR159" and message.control_id == "CTL-0"


def test_the_tilde_is_written_back_as_jis_x0212s_tilde_never_a_question_mark() -> None:
    text = "鷗外病院鷗\uff5e"
    with pytest.raises(UnicodeEncodeError):
        text.encode("iso2022_jp_1")  # Python's table has no U+FF5E: errors="replace" wrote "?"
    written = encode(text, "iso2022_jp_1")
    assert decode(written, "iso2022_jp_1") == text  # ("?" is 鷗's second byte, 6C 3F)
    assert written.endswith(b"\x1b$(D\x22\x37\x1b(B")
    assert encode("1½ h", "ascii") == b"1U+00BD h"  # a character no reading gave: said, not "?"


def test_the_accept_ack_echoes_the_senders_names_and_control_id_as_their_bytes_over_loopback_mllp(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    ack, status, delivered = sent_alone(db_path, _message("CTL-1"), results=1, encoding="ascii")
    msh, msa = ack.rstrip(b"\r").split(b"\r")
    assert msh.startswith(_echoed()), msh
    assert msh.endswith(b"|ACK^R01^ACK|ACKCTL-1|P|2.5||||||~ISO IR87~ISO IR159") and msa == b"MSA|AA|CTL-1"
    assert "?" not in decode(ack, "iso2022_jp_1")
    assert [(r.stored.patient_id, r.stored.value) for r in delivered] == [("SIM-P1", "97")]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT reason FROM device_quarantine").fetchall() == []
    assert status.quarantined == 0


def test_a_refusal_echoes_them_as_their_bytes_too_over_loopback_mllp(tmp_path: Path) -> None:
    """A message type the gateway does not take: the AR's header is read by itself
    (:func:`devices.codecs.hl7_ack.readable_header`), and echoes the same bytes."""
    ack, _, _ = sent_alone(tmp_path / "clinic.db", _message("CTL-2", kind="ADT^A01"), results=0)
    msh, msa, err = ack.rstrip(b"\r").split(b"\r")
    assert msh.startswith(_echoed()) and "?" not in decode(ack, "iso2022_jp_1"), ack
    assert msa.startswith(b"MSA|AR|CTL-2|") and err.startswith(b"ERR||MSH^1^9|200^"), ack


#: 草彅 (Kusanagi: 彅 is JIS X 0212's 3C 74, in no JIS X 0208), a patient's family name.
KUSANAGI = "草彅^剛".encode("iso2022_jp_1")
SAID = (
    'PID-5 of PID 1: ESC $ ( D (JIS X 0212, ISO IR159) is not valid in the sets MSH-18 "ISO IR87" names:'
    " JIS X 0212 characters need MSH-18 to name ISO IR159 as well (~ISO IR87~ISO IR159)"
)


def test_a_jis_x0212_name_under_msh18_iso_ir87_alone_is_refused_naming_the_field_and_iso_ir159() -> None:
    raw = _message("CTL-3", msh18="ISO IR87", pid=KUSANAGI).replace(FACILITY, LABORATORY)
    at = raw.index(b"\x1b$(D", raw.index(b"PID"))
    with pytest.raises(Hl7ParseError) as refused:
        parse_message(raw, profile())
    assert str(refused.value) == f"byte {at}: {SAID}"
    assert (refused.value.segment, refused.value.field) == ("PID", 5)
    _, (problem,) = decode_message(profile(), raw)
    assert (problem.reason, problem.detail) == ("undecodable_bytes", f"byte {at}: {SAID}")


def test_the_refusal_says_so_in_the_error_ack_over_loopback_mllp(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    raw = _message("CTL-4", msh18="ISO IR87", pid=KUSANAGI).replace(FACILITY, LABORATORY)
    ack, status, _ = sent_alone(db_path, raw, results=0, encoding="ascii")
    msh, msa, err = ack.decode("iso2022_jp").rstrip("\r").split("\r")
    assert msh.split("|")[2:6] == ["LIS", "検査室", "モニタ", "検査室"]
    assert msa.split("|")[:3] == ["MSA", "AE", "CTL-4"]
    at = raw.index(b"\x1b$(D", raw.index(b"PID"))
    assert err.split("|")[2:5] == ["PID^1^5", "102^Data type error^HL70357", "E"]
    assert err.split("|")[7] == f"byte {at}: {SAID}".replace("~", "\\R\\")  # HL7's escape for "~"
    with sqlite3.connect(db_path) as conn:
        (reason,) = conn.execute("SELECT reason FROM device_quarantine").fetchone()
    assert reason.startswith(f"undecodable_bytes: byte {at}: {SAID}") and status.quarantined == 1, reason
