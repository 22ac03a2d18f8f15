"""What an HL7 sender in enhanced acknowledgement mode is sent when OBX of its message are held
after a segment that could not be read (``2PID|...``), over a real loopback MLLP connection to the
real gateway and SQLite log. The gateway's ACK is the accept (commit) ACK: HL7 v2 chapter 2
(acknowledgments: enhanced mode) has a positive accept ACK say that the message is committed to
safe storage, so the sender need not send it again; MSH-15 (table 0155) says when the sender wants
one: ``ER`` only on an error or reject condition (a CE or CR: not committed). A message stored
with OBX held is committed - its readable results are stored, a resend would only add duplicates
- so an ``ER`` sender is sent nothing, as the standard asks, not a CE (which would tell it the
message was lost: it would send it again or flag the link). Its held OBX are in the quarantine
and in listen's warning line, which is where such a sender's integrator sees them; an ``SU`` (or
``AL``) sender gets the CA saying so (MSA-3, ERR warning). The held warning is about processing,
which HL7 leaves to the application ACK (MSH-16): the gateway sends none. SYNTHETIC patients (the
bundled simulator profile)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_conformance_tcp import FS_CR, VT, _endpoint, msa_fields, read_acks
from tests.devices.gateway.test_hl7_withdrawal import NOW


def _message(control: str, msh15: str, *, held: bool = True) -> bytes:
    segments = [
        f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|{control}|P|2.5|||{msh15}",
        f"PID|1||SIM-{control}",
        "OBR|1|SIM-S1",
        f"OBX|1|NM|SPO2||97|%|||||F|||{NOW}",
        *([f"2PID|2||SIM-{control}-2", f"OBX|1|NM|SPO2||85|%|||||F|||{NOW}"] if held else []),
    ]
    return ("\r".join(segments) + "\r").encode()


def test_an_error_only_sender_is_sent_nothing_for_a_message_stored_with_obx_held(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "clinic.db"
    device = _endpoint("hl7-monitor")
    er, su, plain = _message("CTL-1", "ER"), _message("CTL-2", "SU"), _message("CTL-3", "", held=False)

    async def scenario() -> list[bytes]:
        async with running_gateway([device], db_path) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(device.device_id))
            for raw in (er, su, plain):
                writer.write(VT + raw + FS_CR)
            await writer.drain()
            acks = await read_acks(reader, 2)  # ER's would come first: the first is SU's
            await wait_until(lambda: gateway.status()[0].messages == 3)
            writer.close()
            return acks

    with caplog.at_level(logging.WARNING, logger="devices.gateway"):
        first, second = asyncio.run(scenario())
    at = su.index(b"2PID")
    assert msa_fields(first)[1:] == [
        "CA",
        "CTL-2",
        f"1 OBX segment held, patient unknown: segment at byte {at} unreadable",
    ]
    assert b"\rERR|||100^Segment sequence error^HL70357|W|||1 OBX segment held" in first
    assert msa_fields(second)[1:3] == ["AA", "CTL-3"]
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT m.raw, q.reason FROM device_quarantine q JOIN device_messages m ON m.id = q.message_id ORDER BY q.id"
        ).fetchall()
    assert [(raw, str(reason).split(":", 1)[0]) for raw, reason in rows if raw == er] == [
        (er, "unreadable_segment"),
        (er, "after_unreadable_segment"),
    ]
    said = [m for m in (r.getMessage() for r in caplog.records) if "message 1:" in m]
    assert (
        len(said) == 1 and "2 parts quarantined without a result (unreadable_segment at byte " in said[0]
    ), said
    assert "after_unreadable_segment at byte " in said[0], said
