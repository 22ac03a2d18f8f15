"""MSH-18 ``CNS 11643-1992`` (HL7 table 0211: Taiwan's national character set) was read as Big5.
CNS 11643 is not Big5: the same character has other bytes in each, and Python has no CNS 11643
codec. Its 8-bit form is EUC-TW (HAPI's HL7Charsets reads the name as x-EUC-TW): 陳大文 (a
patient's name) is DD F3 C4 CB C5 C6 there (the bytes below are glibc iconv's EUC-TW), which Big5
reads, without an error, as 楻騰齪 - another patient's name, silently. Taiwanese systems write
Big5 (MSH-18 ``BIG-5``) or UTF-8; a device naming CNS 11643 may mean EUC-TW or Big5 mislabelled,
so the gateway cannot tell which it writes: the message is refused, naming MSH-18, its value
and what to set, and kept whole in quarantine. Through the real codec and over a real loopback
MLLP connection to the real gateway and SQLite log (the bundled simulator's HL7 monitor,
SYNTHETIC patients)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from devices.codecs.hl7 import Hl7ParseError, decode_message, parse_message
from devices.codecs.hl7_ack import build_error_ack
from tests.devices.codecs.test_hl7 import profile
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: 陳大文 in EUC-TW (CNS 11643 plane 1), as glibc's iconv writes it (iconv -t EUC-TW).
CHEN_DA_WEN_EUC_TW = bytes.fromhex("ddf3c4cbc5c6")


def _message(control: str) -> bytes:
    header = f"MSH|^~\\&|BC-5380|LAB|LIS|CLINIC|20240301101500||ORU^R01|{control}|P|2.5||||||CNS 11643-1992\r"
    return (
        header.encode("ascii")
        + b"PID|1||SIM-P1||"
        + CHEN_DA_WEN_EUC_TW
        + b"\rOBR|1|SIM-S1\rOBX|1|NM|SPO2||97|%|||||F|||20240301101400\r"
    )


def _said(raw: bytes) -> str:
    at = raw.index(b"CNS 11643-1992")
    return (
        f'byte {at}: MSH-18 character set "CNS 11643-1992": CNS 11643 is not Big5 (a character has'
        " other bytes in each; HAPI reads this name as EUC-TW) and the gateway has no table to read"
        " CNS 11643 with: set the device's character set (MSH-18) to BIG-5 if it writes Big5, or to"
        " UNICODE UTF-8"
    )


def test_the_euc_tw_name_reads_as_another_name_in_big5() -> None:
    assert CHEN_DA_WEN_EUC_TW.decode("big5") == "楻騰齪"  # no error: a wrong name, silently
    assert "陳大文".encode("big5") == bytes.fromhex("b3afa46aa4e5")


@pytest.mark.parametrize("encoding", ["latin-1", "big5"])
def test_the_codec_refuses_msh18_cns_11643_naming_it_and_what_to_set(encoding: str) -> None:
    raw = _message("CTL-0")
    with pytest.raises(Hl7ParseError) as refused:
        parse_message(raw, profile(encoding=encoding))
    assert str(refused.value) == _said(raw) and refused.value.location == "MSH-18"
    results, (problem,) = decode_message(profile(encoding=encoding), raw)
    assert results == [] and problem.raw == raw and problem.byte_offset == raw.index(b"CNS")
    assert problem.reason == "unparseable_message" and problem.detail.endswith("or to UNICODE UTF-8")
    ack = build_error_ack(raw, refused.value, profile(encoding=encoding))
    assert ack is not None and ack.split(b"\r")[1].startswith(b"MSA|AE|CTL-0|byte ")
    assert _said(raw).encode("ascii") in ack  # ERR-7, whole


def test_a_cns_11643_message_is_refused_and_kept_whole_over_loopback_mllp(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    raw = _message("CTL-1")
    ack, status, delivered = sent_alone(db_path, raw, results=0)
    msh, msa, err = ack.decode("latin-1").rstrip("\r").split("\r")
    assert msa.startswith("MSA|AE|CTL-1|byte ") and msh.split("|")[-1] == "CNS 11643-1992"
    err_fields = err.split("|")
    assert err_fields[:8] == [
        "ERR",
        "",
        "MSH^1^18",
        "103^Table value not found^HL70357",
        "E",
        "",
        "",
        _said(raw),
    ]
    assert _said(raw).startswith(err_fields[8].removesuffix("...")) and len(err_fields[8]) <= 250  # ERR-8
    assert delivered == [] and status.quarantined == 1
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM device_results").fetchone()
        kept = conn.execute("SELECT reason, raw FROM device_quarantine").fetchall()
    assert stored == (0,) and kept == [(f"unparseable_message: {_said(raw)}", raw)]
