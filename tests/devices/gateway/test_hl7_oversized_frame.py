"""An HL7 message longer than the MLLP size limit (16 MiB) is quarantined cut, not lost.

What was wrong: a frame that grew past the limit without its end bytes was ``Discarded`` - a
warning line and the ``discarded`` count, its bytes stored nowhere - and the rest of it, up to the
end bytes, was quarantined as "bytes outside an MLLP frame ... line noise": an integrator could not
see what the device sent, and was told the line was noisy. Now its first 16 MiB are quarantined
(``device_quarantine``, as stray bytes are) saying it was cut at the limit, the rest dropped up to
its end bytes and no ACK sent (there is no message to answer); the next message on the connection
is taken as usual. Over loopback MLLP to a live gateway, into a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.devices.gateway.harness import count
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _hl7, msa_fields
from tests.devices.gateway.test_hl7_other_message_types import answers_to

LIMIT = 16 * 1024 * 1024
HEAD = b"MSH|^~\\&|ANALYZER|LAB|LIS|CLINIC|20260105083000||ORU^R01|BIG-1|P|2.5\rPID|1||SIM-P9\rOBX|1|ED|IMG||"
#: one message 100 KiB over the limit: an embedded image (OBX-5 ED) a device sent whole
BIG = HEAD + b"A" * (LIMIT + 100 * 1024) + b"\r"


def test_a_frame_over_the_size_limit_is_quarantined_cut_and_not_acknowledged(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    acks, status = answers_to(db_path, VT + BIG + FS_CR + VT + _hl7("S1") + FS_CR, 1)
    assert [msa_fields(ack)[:3] for ack in acks] == [["MSA", "AA", "CTL-S1"]]  # none for BIG-1
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT raw, reason, byte_offset FROM device_quarantine").fetchall()
    (raw, reason, offset), *others = rows
    assert (raw, offset) == ((VT + BIG)[:LIMIT], 0)  # the limit's worth, from its start byte
    assert reason == (
        f"MLLP frame at byte 0 over the size limit of {LIMIT} bytes before its end bytes 1c0d: cut, its "
        f"first {LIMIT} bytes kept here, the rest up to its end bytes (or the next start byte) not "
        "stored; not acknowledged (no message to answer), so the device may send it again"
    )
    assert others == []  # its rest is not taken for line noise
    assert (status.discarded, status.quarantined, status.results) == (0, 1, 2)
    assert count(db_path, "device_results") == 2
