"""A Chinese analyzer's hospital name in MSH-4 in GB 18030, over a real loopback MLLP connection to
the real gateway and SQLite log (the bundled simulator's HL7 monitor, SYNTHETIC patients). 東 (east,
as in 廣東, Guangdong) is 96 7C in GB 18030: its second byte is the field separator ``|``. The MSH
line was split on that byte before its character set was known, so the name was cut in two and
every later MSH field read one place off: MSH-18 GB18030 was not found, the message was read in the
profile's encoding and refused ('byte 9: byte 0xBC is not valid ascii (MSH-18 absent, ...)'), its
result lost, the refusal echoing MSH-9 ``ORU^R01`` as MSA-2; with the country code CHN in MSH-17
and no MSH-18 (the profile set to GB 18030), 'MSH-18 character set "CHN" is not supported'. The MSH
is now read in GB 18030 when MSH-18, read so, names it (or is empty and the profile says it)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from devices.gateway_status import DeviceStatus
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import sent_alone

#: Guangdong Provincial Hospital of Chinese Medicine, as a Hong Kong or Guangdong analyzer writes it.
HOSPITAL = "廣東省中醫院"


def _message(control: str, *, msh17: str = "", msh18: str = "GB18030", value: str = "97") -> bytes:
    segments = [
        f"MSH|^~\\&|监护仪|{HOSPITAL}|LIS|診所|{NOW}||ORU^R01|{control}|P|2.5|||||{msh17}|{msh18}",
        "PID|1||SIM-P1||張三^測試",
        "OBR|1|SIM-S1",
        f"OBX|1|NM|SPO2||{value}|%|||||F|||{NOW}",
    ]
    return ("\r".join(segments) + "\r").encode("gb18030")


def _sent(db_path: Path, raw: bytes, *, encoding: str, results: int) -> tuple[bytes, DeviceStatus]:
    """``raw`` in one MLLP frame to the gateway, the monitor's profile reading ``encoding``: its
    ACK and the device's status; exactly ``results`` results delivered."""
    ack, status, delivered = sent_alone(db_path, raw, results=results, encoding=encoding)
    assert len(delivered) == results, (delivered, ack.decode("gb18030", errors="replace"))
    return ack, status


def test_the_character_is_one_whose_second_byte_is_the_field_separator() -> None:
    assert "東".encode("gb18030") == b"\x96|"


def test_a_hospital_name_holding_a_separator_byte_before_msh18_gb18030_is_read_and_stored(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    ack, status = _sent(db_path, _message("CTL-1"), encoding="ascii", results=1)
    msh, msa = ack.decode("gb18030").rstrip("\r").split("\r")  # strict: one bad byte fails here
    assert msa == "MSA|AA|CTL-1"
    # sender and receiver swapped, each name whole, MSH-18 echoed
    assert msh.split("|")[2:6] == ["LIS", "診所", "监护仪", HOSPITAL]
    assert msh.split("|")[8:10] == ["ACK^R01^ACK", "ACKCTL-1"] and msh.split("|")[-1] == "GB18030"
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT patient_id, vendor_code, value FROM device_results").fetchall()
        quarantined = conn.execute("SELECT count(*) FROM device_quarantine").fetchone()[0]
    assert stored == [("SIM-P1", "SPO2", "97")] and quarantined == 0
    assert status.quarantined == 0 and dict(status.unhandled) == {}


def test_without_msh18_the_profiles_gb18030_reads_it_past_a_country_code_in_msh17(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    ack, _ = _sent(db_path, _message("CTL-2", msh17="CHN", msh18=""), encoding="gb18030", results=1)
    msh, msa = ack.decode("gb18030").rstrip("\r").split("\r")
    assert msa == "MSA|AA|CTL-2"
    assert msh.split("|")[2:6] == ["LIS", "診所", "监护仪", HOSPITAL]


def test_a_message_refused_for_a_bad_byte_is_answered_with_its_own_control_id(tmp_path: Path) -> None:
    """0xFF is no GB 18030 byte: the message is refused (AE) and kept, and the answer echoes its
    MSH-10 and the names whole - it echoed MSH-9 ``ORU^R01`` as MSA-2."""
    raw = _message("CTL-3", value="9X7").replace(b"9X7", b"9\xff7")
    at = raw.index(b"\xff")
    ack, status = _sent(tmp_path / "clinic.db", raw, encoding="ascii", results=0)
    msh, msa, err = ack.decode("gb18030").rstrip("\r").split("\r")
    assert msa.split("|")[:3] == ["MSA", "AE", "CTL-3"], msa
    assert msh.split("|")[2:6] == ["LIS", "診所", "监护仪", HOSPITAL]
    assert f"byte {at}: byte 0xFF is not valid gb18030 (MSH-18 GB18030" in err, err
    assert err.startswith("ERR||OBX^1^5|102^Data type error^HL70357|E|||"), err
    assert status.quarantined == 1
