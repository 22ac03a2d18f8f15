"""A Japanese analyzer's MSH-18 ``ISO IR87`` (JIS X 0208 through ISO 2022 escapes: ESC $ B switches
to two-byte characters, ESC ( B back to ASCII, HL7 table 0211), over a real loopback MLLP connection
to the real gateway and SQLite log (the bundled simulator's HL7 monitor, SYNTHETIC patients). In a
two-byte run both bytes of a character are ASCII bytes 0x21 to 0x7E: 日 (day, as in 日本, Japan) is
46 7C, its second byte the field separator ``|``, and 本 4B 5C holds the escape character ``\\``.
The MSH line was split on those bytes: a hospital name with 日 in MSH-4 cut the header in two, so
MSH-7 was read from MSH-6 (a bad time), MSH-9 empty and MSH-10 ``ORU^R01``, MSH-18 not found and the
message read in the profile's encoding - the ACK echoing the message type as its control id, and
every Japanese name and text read as escape bytes. The MSH is now read in ISO-2022-JP when MSH-18,
read so, names it, as in GB 18030 and Big5 (``test_hl7_msh18_after_chinese_name.py``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devices.codecs.hl7 import decode_message, parse_message
from devices.codecs.hl7_charset import ascii_inside_characters
from tests.devices.codecs.test_hl7 import profile
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: Japanese Red Cross Medical Center (日本赤十字社医療センター), as a Japanese analyzer writes it.
HOSPITAL = "日本赤十字社医療センター"
#: A patient's name (Yamada Hinata) whose given name holds 日 too, and a test named in Japanese.
PATIENT = "山田^日向"
TEST = "SPO2^経皮的動脈血酸素飽和度"


def jis_message(
    control: str,
    *,
    msh18: str = "ISO IR87",
    obx: str = f"{TEST}||97|%",
    hospital: str = HOSPITAL,
    patient: str = PATIENT,
    codec: str = "iso2022_jp",
) -> bytes:
    """A Japanese monitor's ORU^R01 in ``codec`` (ISO-2022-JP; ISO-2022-JP-1 for JIS X 0212)."""
    segments = [
        f"MSH|^~\\&|モニタ|{hospital}|LIS|検査室|{NOW}||ORU^R01|{control}|P|2.5||||||{msh18}",
        f"PID|1||SIM-P1||{patient}",
        "OBR|1|SIM-S1",
        f"OBX|1|NM|{obx}|||||F|||{NOW}",
    ]
    return ("\r".join(segments) + "\r").encode(codec)


def test_the_characters_hold_the_field_separator_and_the_escape_character_in_their_two_byte_run() -> None:
    assert "日本".encode("iso2022_jp") == b"\x1b$BF|K\\\x1b(B"
    assert ascii_inside_characters("iso2022_jp")


#: MSH-18 naming ISO IR87 alone, or as the alternate set of a later repetition (HL7 table 0356: the
#: second and later repetitions are sets switched to by ISO 2022 escapes, MSH-20 ``ISO 2022-1994``;
#: the first, the default, is ASCII - empty, ``ASCII`` or ``ISO IR6``), as Japanese systems send it.
MSH18 = ["ISO IR87", "~ISO IR87", "ISO IR6~ISO IR87", "ASCII~ISO IR87"]


@pytest.mark.parametrize("msh18", MSH18)
@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "shift_jis"])
def test_the_codec_reads_msh18_iso_ir87_past_a_name_whose_two_byte_run_holds_a_separator(
    encoding: str, msh18: str
) -> None:
    raw = jis_message("CTL-0", obx="GLU^日内変動血糖||7.8|mmol/L", msh18=msh18)
    message = parse_message(raw, profile(encoding=encoding))
    assert (message.charset, message.control_id, message.message_type) == ("iso2022_jp", "CTL-0", "ORU")
    assert message.msh.raw(4) == HOSPITAL and message.msh.raw(7) == NOW
    assert message.all("PID")[0].raw(5) == PATIENT and message.all("OBX")[0].raw(3) == "GLU^日内変動血糖"
    results, problems = decode_message(profile(encoding=encoding), raw)
    assert problems == [] and [(r.vendor_code, r.value, r.patient_id) for r in results] == [
        ("GLU", "7.8", "SIM-P1")
    ]


@pytest.mark.parametrize("msh18", MSH18)
def test_a_hospital_name_holding_a_separator_byte_before_msh18_iso_ir87_is_read_and_stored(
    tmp_path: Path, msh18: str
) -> None:
    db_path = tmp_path / "clinic.db"
    ack, status, delivered = sent_alone(
        db_path, jis_message("CTL-1", msh18=msh18), results=1, encoding="ascii"
    )
    msh, msa = ack.decode("iso2022_jp").rstrip("\r").split("\r")  # strict: one bad byte fails here
    assert msa == "MSA|AA|CTL-1"
    # sender and receiver swapped, each name whole, MSH-18 echoed
    assert msh.split("|")[2:6] == ["LIS", "検査室", "モニタ", HOSPITAL]
    assert msh.split("|")[8:10] == ["ACK^R01^ACK", "ACKCTL-1"] and msh.split("|")[-1] == msh18
    assert [(r.stored.patient_id, r.stored.value, r.auto_feed) for r in delivered] == [("SIM-P1", "97", True)]
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT patient_id, vendor_code, value, status FROM device_results").fetchall()
        quarantined = conn.execute("SELECT reason FROM device_quarantine").fetchall()
    assert stored == [("SIM-P1", "SPO2", "97", "final")] and quarantined == []
    assert status.quarantined == 0 and dict(status.unhandled) == {}
