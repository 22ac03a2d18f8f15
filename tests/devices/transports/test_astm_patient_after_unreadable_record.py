"""A second patient's P record sent with a frame-number prefix (``2P|...``), over a real pty to
the real gateway and SQLite log: the record cannot be read, so the result after it was stored as
the first patient's and fed to triage - a wrong-patient result. It is now held in
``device_quarantine`` (``after_unreadable_record``, naming the record), never stored under the
first patient; the first patient's own result and the third patient's (after a readable P record)
are stored and fed as before. SYNTHETIC patients (the bundled simulator profile)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from devices.codecs.astm_frame import build_frame
from devices.gateway import GatewayResult
from devices.link_drivers import endpoint_from_profile
from devices.session import MonotonicClock
from devices.simulated_results import astm_records, sample_from_values, simulator_profile
from devices.transports.link import SerialSpec
from devices.transports.pty import open_pty
from tests.devices.gateway.harness import running_gateway, wait_until
from tests.devices.gateway.test_conformance_astm import send_message
from triage.cli.devices_result_lines import status_line


def _patient(patient_id: str, sample_id: str, glucose: float) -> list[bytes]:
    """The P, O and R records of one SYNTHETIC patient, as the simulator sends them."""
    records = astm_records(
        sample_from_values("astm-analyzer", patient_id, sample_id, {"glucose_random": glucose})
    )
    return records[1:-1]


def test_a_result_after_an_unreadable_patient_record_is_held_not_stored_as_the_previous_patients(
    tmp_path: Path,
) -> None:
    pty = open_pty()
    endpoint = endpoint_from_profile(
        simulator_profile("astm-analyzer", "analyzer"),
        clock=MonotonicClock(),
        transport=SerialSpec(url=pty.slave_path),
    )
    first = astm_records(sample_from_values("astm-analyzer", "SIM-P1", "S-1", {"glucose_random": 5.0}))
    second = _patient("SIM-P2", "S-2", 21.0)
    second[0] = b"2" + second[0]  # a frame number left in front of the P record
    records = [*first[:-1], *second, *_patient("SIM-P3", "S-3", 6.0), first[-1]]
    frames = [build_frame(n % 8, r + b"\r", True) for n, r in enumerate(records, start=1)]
    db_path = tmp_path / "clinic.db"
    delivered: list[GatewayResult] = []

    async def scenario() -> str:
        async with running_gateway([endpoint], db_path, delivered=delivered) as gateway:
            await send_message(pty, frames)
            await wait_until(lambda: len(delivered) >= 2 and gateway.status()[0].messages == 1)
            await pty.close()
            return status_line(gateway.status()[0])

    line = asyncio.run(scenario())
    # counted as the gateway counts parts of a message that became no result (docs/device-gateway.md)
    assert "2 new results stored (2 for triage, 0 held)" in line, line
    assert "2 quarantined without a result" in line, line
    stored = sorted((r.stored.patient_id, r.stored.sample_id, r.stored.value, r.auto_feed) for r in delivered)
    assert stored == [("SIM-P1", "S-1", "5.0", True), ("SIM-P3", "S-3", "6.0", True)]
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT reason FROM device_quarantine ORDER BY id").fetchall()
        patients = {p for (p,) in conn.execute("SELECT patient_id FROM device_results")}
    assert patients == {"SIM-P1", "SIM-P3"}
    reasons = [str(r).split(":", 1)[0] for (r,) in rows]
    assert reasons == ["unknown_record", "after_unreadable_record"]
    held = str(rows[1][0])
    assert '"2P|1||SIM-P2||SYNTHETIC^PATIENT", could not be read (record type "2P")' in held
    assert "so whose result this is is not known" in held
