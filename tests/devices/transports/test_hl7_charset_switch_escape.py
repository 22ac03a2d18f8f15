"""HL7 v2.5.1 2.7.2's character-set switches inside a field - ``\\Cxxyy\\`` (a single-byte set:
``\\C284A\\`` JIS X 0201's Roman set) and ``\\Mxxyyzz\\`` (a multi-byte one: ``\\M2442\\`` JIS X
0208) - were kept as sent and the text after them read in the message's set, silently: a test name
``\\M2442\\;3ED\\C2842\\`` (山田 as JIS X 0208's bytes) was stored as those ASCII letters with nothing
saying so. They are not read (after ``\\M2442\\`` a two-byte character's bytes may be the
delimiters themselves, 日 is 46 7C, so the field was cut before any reading could switch; Japanese
senders use ISO 2022's own escapes, which the codec reads), and the stored result's detail now says
which field holds one and what to set. Through the real codec and over a real loopback MLLP
connection to the real gateway and SQLite log (the bundled simulator's HL7 monitor, SYNTHETIC
patients)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from devices.codecs.hl7 import decode_message
from tests.devices.codecs.test_hl7 import profile
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import FIRST_PATIENT, sent_alone


def _message(obx3: str, value: str = "7.8") -> bytes:
    """The first patient's message (its PID and OBR) with MSH-18 ``~ISO IR87`` and MSH-20 ``2.3``
    (HL7 table 0356: switches written as HL7 escapes) and an OBX whose OBX-3 is ``obx3``."""
    msh = f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|CTL-1|P|2.5||||||~ISO IR87|||2.3"
    obx = f"OBX|1|NM|{obx3}||{value}|mmol/L|||||F|||{NOW}"
    return "\r".join([msh, *FIRST_PATIENT[1:3], obx, ""]).encode("ascii")


def _said(field: str, switches: str) -> str:
    return (
        f"{field} holds the HL7 character-set escape {switches} (HL7 v2.5.1 2.7.2), which the gateway does"
        " not read: the text after it is kept as sent, not as that set's characters; set the device to"
        " send ISO 2022 escapes (MSH-18 ~ISO IR87) or UNICODE UTF-8"
    )


@pytest.mark.parametrize(
    ("obx3", "switches"),
    [
        ("GLU^\\M2442\\;3ED\\C2842\\", "\\M2442\\, \\C2842\\"),
        ("GLU^GLUCOSE \\M242844\\<t\\C2842\\", "\\M242844\\, \\C2842\\"),
        ("GLU^GLUCOSE\\C284A\\", "\\C284A\\"),
    ],
)
def test_a_result_whose_field_holds_a_charset_switch_says_so_in_its_detail(obx3: str, switches: str) -> None:
    (result,), problems = decode_message(profile(), _message(obx3))
    assert problems == [] and (result.vendor_code, result.value) == ("GLU", "7.8")
    assert result.comments == (_said("OBX-3", switches),)


def test_no_detail_without_one() -> None:
    """``\\E\\M2442\\`` read left to right is a literal escape character, then ``M2442\\``: no switch;
    nor is a hex escape or a name of five hex digits."""
    for obx3 in ("GLU^GLUCOSE", "GLU^A\\E\\M2442\\", "GLU^\\X41\\", "GLU^\\C284\\"):
        (result,), _ = decode_message(profile(), _message(obx3))
        assert result.comments == (), obx3


def test_the_stored_results_detail_says_so_over_loopback_mllp(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    raw = _message("SPO2^\\M2442\\7P9g\\C2842\\", "97").replace(b"mmol/L", b"%")
    ack, _, delivered = sent_alone(db_path, raw, results=1)
    assert b"\rMSA|AA|CTL-1\r" in ack
    assert [(r.stored.patient_id, r.stored.value) for r in delivered] == [("SIM-P1", "97")]
    with sqlite3.connect(db_path) as conn:
        (details,) = conn.execute("SELECT details FROM device_results").fetchone()
    assert json.loads(details)["comments"] == [_said("OBX-3", "\\M2442\\, \\C2842\\")]
