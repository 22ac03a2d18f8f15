"""A second patient's PID sent with a sequence number in front (``2PID|1||SIM-P2``), over a real
loopback MLLP connection to the real gateway and SQLite log: the segment cannot be read, so the
OBX after it was stored as the first patient's and fed to triage - a wrong-patient result. It is
now held in ``device_quarantine`` (``after_unreadable_segment``, naming the segment; the segment
itself is ``unreadable_segment``), never stored under the first patient, counted as quarantined
without a result (both), and the AA says so in MSA-3;
the first patient's own result and the third patient's (after a readable PID) are stored and fed
as before. SYNTHETIC patients (the bundled simulator profile)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from devices.gateway import GatewayResult
from devices.gateway_status import DeviceStatus
from devices.link_drivers import endpoint_from_profile
from devices.simulated_results import simulator_profile
from devices.transports.link import TcpListenSpec
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_conformance_tcp import CLOCK, FS_CR, VT, _endpoint, msa_fields, read_acks
from tests.devices.gateway.test_hl7_withdrawal import NOW
from triage.cli.devices_result_lines import status_line

#: The message's header and the first patient's SpO2 97, readable.
FIRST_PATIENT = (
    f"MSH|^~\\&|MONITOR|WARD|||{NOW}||ORU^R01|CTL-1|P|2.5",
    "PID|1||SIM-P1",
    "OBR|1|SIM-S1",
    f"OBX|1|NM|SPO2||97|%|||||F|||{NOW}",
)


def test_a_result_after_an_unreadable_pid_is_held_not_stored_as_the_previous_patients(tmp_path: Path) -> None:
    segments = [
        *FIRST_PATIENT,
        "2PID|2||SIM-P2",  # a sequence number left in front of the second patient's PID
        "OBR|2|SIM-S2",
        f"OBX|1|NM|SPO2||85|%|||||F|||{NOW}",
        "PID|3||SIM-P3",
        "OBR|3|SIM-S3",
        f"OBX|1|NM|SPO2||95|%|||||F|||{NOW}",
    ]
    raw = ("\r".join(segments) + "\r").encode()
    db_path = tmp_path / "clinic.db"
    ack, status, delivered = sent_alone(db_path, raw, results=2)
    line = status_line(status)
    stored = sorted((r.stored.patient_id, r.stored.value, r.auto_feed) for r in delivered)
    assert stored == [("SIM-P1", "97", True), ("SIM-P3", "95", True)]
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT reason FROM device_quarantine ORDER BY id").fetchall()
        patients = sorted(conn.execute("SELECT patient_id, value FROM device_results"))
    assert patients == [("SIM-P1", "97"), ("SIM-P3", "95")]
    unreadable, held = [str(r) for (r,) in rows]  # the segment itself, then the OBX it holds
    assert unreadable.startswith("unreadable_segment"), unreadable
    assert held.startswith("after_unreadable_segment"), held
    at = raw.index(b"2PID")
    assert f'the segment before it at byte {at}, "2PID|2||SIM-P2", could not be read' in held
    assert "so whose result this is is not known" in held
    # accepted (stored), saying what became of the OBX after the unreadable segment
    assert msa_fields(ack)[1:] == [
        "AA",
        "CTL-1",
        f"1 OBX segment held, patient unknown: segment at byte {at} unreadable",
    ], ack
    assert b"\rERR|||100^Segment sequence error^HL70357|W|||1 OBX segment held" in ack, ack
    assert "2 new results stored (2 for triage, 0 held)" in line, line
    assert "2 quarantined without a result" in line, line


def sent_alone(
    db_path: Path, raw: bytes, *, results: int, encoding: str | None = None
) -> tuple[bytes, DeviceStatus, list[GatewayResult]]:
    """``raw`` sent in one MLLP frame over loopback to the real gateway (the bundled simulator's
    HL7 monitor, its profile's ``encoding`` changed when one is given, its SQLite log at
    ``db_path``): its ACK, the device's status once the message is stored and ``results`` results
    are delivered, and the delivered results."""
    delivered: list[GatewayResult] = []
    device = _endpoint("hl7-monitor")
    if encoding is not None:
        profile = simulator_profile("hl7-monitor", "hl7-monitor").model_copy(update={"encoding": encoding})
        device = endpoint_from_profile(profile, clock=CLOCK, transport=TcpListenSpec(port=0))

    async def scenario() -> tuple[bytes, DeviceStatus]:
        async with running_gateway([device], db_path, delivered=delivered) as gateway:
            reader, writer = await asyncio.open_connection(*gateway.listen_address(device.device_id))
            writer.write(VT + raw + FS_CR)
            await writer.drain()
            (ack,) = await read_acks(reader, 1)
            await wait_until(lambda: len(delivered) >= results and gateway.status()[0].messages == 1)
            writer.close()
            return ack, gateway.status()[0]

    ack, status = asyncio.run(scenario())
    return ack, status, delivered
