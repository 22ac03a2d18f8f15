"""A result segment sent with a sequence number in front (``2OBX|2|...``), the last of its message,
over a real loopback MLLP connection to the real gateway and SQLite log: the segment cannot be read
and no OBX came after it, so nothing was held - it was dropped with no quarantine row, no count and
a plain AA, and the integrator could not see that a result was lost. Now it is in
``device_quarantine`` (``unreadable_segment``, naming its byte and text), counted quarantined
without a result, and the AA says so (MSA-3, ERR warning). SYNTHETIC patients (the bundled
simulator profile)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.devices.gateway.test_conformance_tcp import msa_fields
from tests.devices.gateway.test_hl7_withdrawal import NOW
from tests.devices.transports.test_hl7_patient_after_unreadable_segment import FIRST_PATIENT, sent_alone


def test_an_unreadable_last_segment_is_quarantined_counted_and_said_in_the_ack(tmp_path: Path) -> None:
    segments = [
        *FIRST_PATIENT,
        f"2OBX|2|NM|HR||131|/min|||||F|||{NOW}",  # a sequence number left in front of a result
    ]
    raw = ("\r".join(segments) + "\r").encode()
    db_path = tmp_path / "clinic.db"
    ack, status, delivered = sent_alone(db_path, raw, results=1)
    quarantined = status.quarantined
    assert [(r.stored.patient_id, r.stored.value) for r in delivered] == [("SIM-P1", "97")]
    at = raw.index(b"2OBX")
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT reason, byte_offset FROM device_quarantine ORDER BY id").fetchall()
    (reason, offset), *others = rows
    assert others == [] and offset == at  # the message's byte, as the ACK says it
    assert reason.startswith(f'unreadable_segment: segment at byte {at}, "2OBX|2|NM|HR||131|/min'), reason
    assert quarantined == 1  # listen's '1 quarantined without a result'
    said = f"1 segment not used: segment at byte {at} unreadable"
    assert msa_fields(ack)[1:] == ["AA", "CTL-1", said], ack
    assert f"\rERR|||100^Segment sequence error^HL70357|W|||{said}|{said}\r".encode() in ack, ack
