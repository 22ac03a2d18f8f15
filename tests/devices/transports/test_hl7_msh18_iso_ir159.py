"""MSH-18 ``ISO IR159`` (JIS X 0212, the supplementary kanji: ESC $ ( D) and ``ISO IR14`` (JIS X
0201's Roman set, HL7 v2.5.1 2.7.2's ``\\C284A\\``: ESC ( J) as Japanese systems send them, the
later repetitions of MSH-18 naming the sets the ISO 2022 escapes switch to (HL7 table 0356,
``~ISO IR87~ISO IR159``). Both were refused as 'not supported' - ``~ISO IR87~ISO IR159`` was read as
ISO IR87 alone, which has no ESC $ ( D, so a patient named 草彅 (Kusanagi: 彅 is JIS X 0212's
3C 74, in no JIS X 0208) was quarantined. Python's iso2022_jp_1 reads JIS X 0212 and the Roman
set (¥ on 0x5C, ‾ on 0x7E) exactly but for one character: JIS X 0212's TILDE (22 37), which its
table reads as ``~``, HL7's repetition character - cutting a name there; it is read as U+FF5E
FULLWIDTH TILDE, as glibc's iconv reads it. ``ISO IR14`` as the first repetition (the message's
default set) is still refused, saying why: its ¥ and ‾ are on the bytes of the escape and
repetition characters. Through the real codec and over a real loopback MLLP connection to the real
gateway and SQLite log (the bundled simulator's HL7 monitor, SYNTHETIC patients)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devices.codecs.hl7 import Hl7ParseError, decode_message, parse_message
from tests.devices.codecs.test_hl7 import profile
from tests.devices.transports.test_hl7_msh18_iso_ir87 import jis_message
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: A hospital named after Mori Ōgai (鷗 is JIS X 0212's 6C 3F), a patient Kusanagi (草彅, 彅 3C 74)
#: and a test of the Hamada (濵田, 濵 49 26: the ``&`` byte) method, each in JIS X 0212.
HOSPITAL = "森鷗外記念病院"
PATIENT = "草彅^剛"
TEST = "GLU^濵田法血糖"

MSH18 = ["~ISO IR87~ISO IR159", "ISO IR6~ISO IR87~ISO IR159", "ISO IR87~ISO IR159", "~ISO IR159"]


def _message(
    control: str, msh18: str, *, patient: str = PATIENT, text: str = TEST, hospital: str = HOSPITAL
) -> bytes:
    obx = f"{text}||7.8|mmol/L"
    return jis_message(
        control, msh18=msh18, obx=obx, hospital=hospital, patient=patient, codec="iso2022_jp_1"
    )


def test_the_names_are_in_jis_x0212_alone() -> None:
    for name, code in (("彅", b"<t"), ("鷗", b"l?"), ("濵", b"I&")):
        assert name.encode("iso2022_jp_1") == b"\x1b$(D" + code + b"\x1b(B"
        with pytest.raises(UnicodeEncodeError):
            name.encode("iso2022_jp")


@pytest.mark.parametrize("msh18", MSH18)
@pytest.mark.parametrize("encoding", ["ascii", "shift_jis"])
def test_the_codec_reads_jis_x0212_names_when_msh18_names_iso_ir159(encoding: str, msh18: str) -> None:
    raw = _message("CTL-0", msh18)
    message = parse_message(raw, profile(encoding=encoding))
    assert (message.charset, message.control_id, message.msh.raw(4)) == ("iso2022_jp_1", "CTL-0", HOSPITAL)
    assert message.all("PID")[0].raw(5) == PATIENT and message.all("OBX")[0].components(3) == TEST.split("^")
    results, problems = decode_message(profile(encoding=encoding), raw)
    assert problems == [] and [(r.vendor_code, r.value, r.patient_id) for r in results] == [
        ("GLU", "7.8", "SIM-P1")
    ]


def test_jis_x0212_tilde_stays_inside_its_field_as_a_fullwidth_tilde() -> None:
    """22 37 in an ESC $ ( D run: Python's table reads it as '~', so the name was cut in two
    repetitions (PID-5 '草彅' and '剛'); the name keeps it, as U+FF5E, whole."""
    tilde = b"\x1b$(D\x22\x37\x1b(B"
    assert tilde.decode("iso2022_jp_1") == "~"
    raw = _message("CTL-2", "~ISO IR87~ISO IR159").replace(
        "草彅".encode("iso2022_jp_1"), "草彅".encode("iso2022_jp_1")[:-3] + b"\x22\x37\x1b(B"
    )
    pid = parse_message(raw, profile()).all("PID")[0]
    assert pid.raw(5) == "草彅\uff5e^剛" and pid.components(5) == ["草彅\uff5e", "剛"]


@pytest.mark.parametrize("msh18", ["~ISO IR14", "ISO IR6~ISO IR14~ISO IR87", "~ISO IR87~ISO IR14"])
def test_the_roman_set_iso_ir14_is_read_exactly_when_switched_to(msh18: str) -> None:
    """ESC ( J switches to JIS X 0201's Roman set: 5C is ¥ and 7E is ‾ there, never the escape or
    repetition character."""
    roman = "\x1b(J\\~\x1b(B"
    raw = _message(
        "CTL-3", msh18, patient="YAMADA^TARO", text=f"GLU^GLUCOSE{roman}", hospital="日本赤十字社医療センター"
    ).replace(roman.encode("iso2022_jp"), b"\x1b(J\\~\x1b(B")
    assert b"\x1b(J\\~\x1b(B" in raw
    message = parse_message(raw, profile())
    assert message.charset == "iso2022_jp"  # ASCII, the Roman set and JIS X 0208
    assert message.all("OBX")[0].components(3) == ["GLU", "GLUCOSE¥‾"]


def test_iso_ir14_as_the_default_set_is_refused_saying_why() -> None:
    raw = _message("CTL-4", "ISO IR14~ISO IR87")
    with pytest.raises(Hl7ParseError) as refused:
        parse_message(raw, profile())
    at = raw.index(b"ISO IR14")
    assert str(refused.value) == (
        f'byte {at}: MSH-18 character set "ISO IR14": as the first repetition it makes JIS X 0201\'s'
        " Roman set the default, whose yen sign and overline are on the bytes of the escape and"
        " repetition characters (0x5C, 0x7E): send ASCII first and the Japanese sets after it"
        " (~ISO IR87, ~ISO IR14~ISO IR87), switched to with ISO 2022 escapes"
    )
    assert refused.value.location == "MSH-18"


@pytest.mark.parametrize("msh18", MSH18[:2])
def test_a_jis_x0212_patient_is_stored_and_the_hospital_echoed_over_loopback_mllp(
    tmp_path: Path, msh18: str
) -> None:
    db_path = tmp_path / "clinic.db"
    raw = _message("CTL-1", msh18, text="SPO2^経皮的動脈血酸素飽和度").replace(b"7.8|mmol/L", b"97|%")
    ack, status, delivered = sent_alone(db_path, raw, results=1, encoding="ascii")
    msh, msa = ack.decode("iso2022_jp_1").rstrip("\r").split("\r")  # strict: one bad byte fails here
    assert msa == "MSA|AA|CTL-1"
    assert msh.split("|")[2:6] == ["LIS", "検査室", "モニタ", HOSPITAL] and msh.split("|")[-1] == msh18
    assert [(r.stored.patient_id, r.stored.value) for r in delivered] == [("SIM-P1", "97")]
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT patient_id, vendor_code, value FROM device_results").fetchall()
        quarantined = conn.execute("SELECT reason FROM device_quarantine").fetchall()
    assert stored == [("SIM-P1", "SPO2", "97")] and quarantined == [] and status.quarantined == 0
